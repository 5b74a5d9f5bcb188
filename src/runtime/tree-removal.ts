/**
 * Synchronous removal of a small directory tree with the fewest system calls: one readdir
 * per directory (its entries' types come with it), then unlink or rmdir per entry. Node's
 * rmSync (rimraf) lstats every entry and tries rmdir on every directory before reading
 * it; on this VM's ext4 (no journal) those extra calls cost a container's removal a third
 * of a millisecond. For trees of a few entries only: a big one belongs on the thread pool.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode } from './errors';

/** Removes `target` (a directory tree or a file); absent is fine, other errors throw. */
export function removeTreeSync(target: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(target, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOTDIR') return ignoreAbsent(() => fs.unlinkSync(target));
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) {
    const child = path.join(target, entry.name);
    if (entry.isDirectory()) removeTreeSync(child);
    else ignoreAbsent(() => fs.unlinkSync(child));
  }
  ignoreAbsent(() => fs.rmdirSync(target));
}

/** Another remover (a listing's sweep) may have been first. */
function ignoreAbsent(remove: () => void): void {
  try {
    remove();
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}
