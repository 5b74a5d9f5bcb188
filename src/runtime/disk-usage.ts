/** Disk usage of a tree (du-like: allocated blocks, hard links counted once), for `info` and `ps -s`. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export async function diskUsage(root: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    await Promise.all(
      entries.map(async (e) => {
        const full = path.join(dir, e.name);
        const st = await fs.lstat(full).catch(() => undefined);
        if (!st) return;
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) return;
        seen.add(key);
        total += st.blocks * 512;
        if (e.isDirectory()) await walk(full);
      }),
    );
  };
  await walk(root);
  return total;
}
