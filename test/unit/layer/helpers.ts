/** Shared test helpers for layer tests: tar building with tar-stream, temp stores, a recording helper stub. */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar-stream';
import type { FixupRequest, PrivilegedFs } from '../../../src/runtime/layer/layer';
import type { TreeAgent } from '../../../src/runtime/layer/tree-agent';

export type Entry = Partial<tar.Header> & { name: string; body?: string | Buffer };

export async function packTar(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { body, ...header } of entries) {
    const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    await new Promise<void>((resolve, reject) => {
      const h = { mode: header.type === 'directory' ? 0o755 : 0o644, mtime: new Date(1_700_000_000_000), uid: 0, gid: 0, ...header };
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      // Bodiless entries (dirs, links) end by themselves; a file is given its body whole.
      if (data) pack.entry(h, data, done);
      else pack.entry(h, done);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function tempDir(prefix = 'berth-layer-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A PrivilegedFs that records what it was asked to do (and removes trees like rm -rf). */
export class RecordingPrivilegedFs implements PrivilegedFs {
  readonly fixups: Array<{ request: FixupRequest; records: string[] }> = [];

  async fixup(request: FixupRequest): Promise<void> {
    const text = await fs.readFile(request.list, 'utf8');
    this.fixups.push({ request, records: text.split('\n').filter(Boolean) });
  }

  async rmtree({ path: dir }: { path: string }): Promise<void> {
    await fs.rm(dir, { recursive: true, force: true });
  }

  /** What `opaqueDirs` answers, for any root (Node cannot read the xattr itself). */
  opaque: string[] = [];

  async opaqueDirs(): Promise<string[]> {
    return this.opaque;
  }

  async openTree(): Promise<TreeAgent> {
    throw new Error('unit tests have no tree agent: Node reads every file they make');
  }

  get records(): string[] {
    return this.fixups.flatMap((f) => f.records);
  }
}

export async function* chunksOf(data: Buffer, size = 4096): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
