/**
 * Locates the BuildKit conformance vectors. They live outside the repository, in
 * `<repo>/../shared/conformance/buildkit-parser` (CI clones the repo with `shared/` beside
 * it); BERTH_CONFORMANCE_DIR overrides. A missing folder fails the suite loudly rather than
 * skipping it, so a broken checkout can never look green.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'src'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
    dir = parent;
  }
}

export function vectorsDir(): string {
  const dir = process.env.BERTH_CONFORMANCE_DIR ?? path.resolve(repoRoot(), '..', 'shared', 'conformance', 'buildkit-parser');
  if (!fs.existsSync(path.join(dir, 'parser', 'testfiles'))) {
    throw new Error(
      `BuildKit conformance vectors not found at ${dir}. Expected <repo>/../shared/conformance/buildkit-parser ` +
        '(clone the shared folder beside the repository, or set BERTH_CONFORMANCE_DIR).',
    );
  }
  return dir;
}

/** This repository's own vectors (heredocs), beside the compiled tests' sources. */
export function ownVectorsDir(name: string): string {
  return path.join(repoRoot(), 'test', 'conformance', name);
}

export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

export function listDirs(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}
