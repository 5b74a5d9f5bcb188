// Root filesystems the benches share: busybox from Debian's busybox-static, and a Debian
// bookworm minbase made by debootstrap once and cached in .cache/bench (a minute or two).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = path.join(repo, '.cache', 'bench');

export function busyboxRootfs(dir) {
  execFileSync('bash', [path.join(repo, 'test', 'fixtures', 'make-busybox-rootfs.sh'), dir], { stdio: 'ignore' });
  return dir;
}

export function debianRootfs(log) {
  const dir = path.join(cacheDir, 'debian-rootfs');
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  log('debootstrap of Debian bookworm (minbase) into .cache/bench — once, a minute or two');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(cacheDir, { recursive: true });
  const mirror = process.env.BERTH_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
  execFileSync('debootstrap', ['--variant=minbase', 'bookworm', dir, mirror], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return dir;
}
