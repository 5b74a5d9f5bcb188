/**
 * `berth cp` with docker's rules for where things land:
 *
 *   DEST is a directory        SRC is copied into it (SRC/. copies SRC's contents)
 *   DEST does not exist        SRC is copied as DEST (its parent must exist; a DEST that
 *                              ends in / must be a directory, so a file SRC is refused)
 *   DEST is a file             a file SRC replaces it; a directory SRC is refused
 *
 * `-` reads a tar stream from STDIN (extracted into a container directory) or writes one
 * to STDOUT.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { BerthError, isBerthError } from '../../errors';
import { UsageError, bool } from '../args';
import { Command, Context, imageApi } from '../command';
import { CliEngine } from '../engine-port';
import { Placement, extractTo, packPath } from '../host-tar';
import { humanSize } from '../units';

export const cp: Command = {
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  summary: 'Copy files/folders between a container and the local filesystem',
  flags: [
    { name: 'archive', short: 'a', kind: 'bool', description: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', kind: 'bool', description: 'Always follow symbol link in SRC_PATH' },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress progress output during copy' },
  ],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, args) {
    const [from, to] = args.positionals.map(splitContainerPath);
    const archive = bool(args, 'archive');
    if (from.container !== undefined && to.container === undefined) {
      const bytes = await copyOut(ctx, await ctx.engine(), from.container, from.path, to.path, archive);
      report(ctx, args.flags.quiet === true, bytes, to.path);
    } else if (from.container === undefined && to.container !== undefined) {
      const bytes = await copyIn(ctx, await ctx.engine(), from.path, to.container, to.path, { archive, followLink: bool(args, 'follow-link') });
      report(ctx, args.flags.quiet === true, bytes, `${to.container}:${to.path}`);
    } else {
      throw new UsageError(from.container === undefined ? 'must specify at least one container source' : 'copying between containers is not supported');
    }
  },
};

interface Location {
  container?: string;
  path: string;
}

/** `web:/etc` → container web, path /etc; `./a:b` and `/x:y` are local (a path first). */
export function splitContainerPath(arg: string): Location {
  if (arg === '-' || arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const colon = arg.indexOf(':');
  if (colon <= 0) return { path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) || '/' };
}

function report(ctx: Context, quiet: boolean, bytes: number | undefined, where: string): void {
  if (!quiet && bytes !== undefined) ctx.stderr.write(`Successfully copied ${humanSize(bytes)} to ${where}\n`);
}

async function copyOut(ctx: Context, engine: CliEngine, container: string, source: string, dest: string, archive: boolean): Promise<number | undefined> {
  const stream = await imageApi(engine, 'copyFromContainer')(container, absoluteIn(source.replace(/\/\.$/, '')));
  if (dest === '-') {
    if (ctx.stdout.isTTY) throw new UsageError('refusing to write a tar stream to a terminal: redirect the output, or give a destination path');
    await pipeline(stream, ctx.stdout, { end: false });
    return undefined;
  }
  const target = path.resolve(dest);
  const contents = /\/\.$/.test(source);
  const decide = async (topIsDirectory: boolean): Promise<Placement> => {
    const existing = await fsp.stat(target).catch(() => undefined);
    if (existing?.isDirectory()) return contents ? 'as' : 'into';
    if (existing && topIsDirectory) throw new BerthError('invalid-argument', `cannot copy a directory to the file '${dest}'`);
    if (!existing && !topIsDirectory && /\/$/.test(dest)) throw new BerthError('not-found', `the destination directory '${dest}' does not exist`);
    if (!existing) await parentMustExist(target, dest);
    return 'as';
  };
  return extractTo(stream, target, decide, { archive });
}

async function copyIn(ctx: Context, engine: CliEngine, source: string, container: string, dest: string, options: { archive: boolean; followLink: boolean }): Promise<number | undefined> {
  const destPath = absoluteIn(dest);
  if (source === '-') {
    if (ctx.stdin.isTTY) throw new UsageError('refusing to read a tar stream from a terminal: pipe one in, or give a source path');
    await imageApi(engine, 'copyToContainer')(container, destPath, ctx.stdin);
    return undefined;
  }
  const local = path.resolve(source);
  const st = await (options.followLink ? fsp.stat(local) : fsp.lstat(local)).catch((err: unknown) => {
    throw new BerthError('not-found', `could not find the file ${source} on this machine`, { cause: err });
  });
  const kind = await containerPathKind(engine, container, destPath);
  let destDir = destPath;
  let rootName: string | undefined = path.basename(local);
  if (kind === 'directory') {
    if (st.isDirectory() && /\/\.$/.test(source)) rootName = undefined;
  } else if (kind === 'file' && st.isDirectory()) {
    throw new BerthError('invalid-argument', `cannot copy a directory to the file '${container}:${dest}'`);
  } else if (kind === 'missing' && !st.isDirectory() && /\/$/.test(dest)) {
    throw new BerthError('not-found', `the destination directory '${container}:${dest}' does not exist`);
  } else {
    destDir = path.posix.dirname(destPath);
    rootName = path.posix.basename(destPath);
  }
  const packed = packPath(local, { rootName, archive: options.archive, followLink: options.followLink });
  await imageApi(engine, 'copyToContainer')(container, destDir, packed.stream);
  return packed.bytes();
}

/** What a container path is, read from the first header of its archive (the rest is never read). */
async function containerPathKind(engine: CliEngine, container: string, file: string): Promise<'directory' | 'file' | 'missing'> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await imageApi(engine, 'copyFromContainer')(container, file);
  } catch (err) {
    if (isBerthError(err, 'not-found')) return 'missing';
    throw err;
  }
  const extract = tar.extract();
  let settled = false;
  const first = new Promise<'directory' | 'file' | 'missing'>((resolve, reject) => {
    extract.on('entry', (header) => resolve(header.type === 'directory' ? 'directory' : 'file'));
    extract.on('finish', () => resolve('missing'));
    extract.on('error', reject);
  }).finally(() => (settled = true));
  const chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  try {
    while (!settled) {
      const next = await Promise.race([chunks.next(), first.then(() => undefined)]);
      if (next === undefined) break;
      if (next.done) extract.end(undefined);
      else extract.write(next.value);
      if (next.done) break;
    }
    return await first;
  } finally {
    // Ends (and so destroys) the source: only its first header was wanted.
    await chunks.return?.();
    extract.destroy();
  }
}

async function parentMustExist(target: string, given: string): Promise<void> {
  const parent = await fsp.stat(path.dirname(target)).catch(() => undefined);
  if (!parent?.isDirectory()) throw new BerthError('not-found', `the directory for '${given}' does not exist: create ${path.dirname(target)} first`);
}

/** Container paths are absolute from the container's root (docker treats `ctr:tmp` as `/tmp`). */
function absoluteIn(containerPath: string): string {
  return containerPath.startsWith('/') ? containerPath : `/${containerPath}`;
}
