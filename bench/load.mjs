// `load` of an image archive: Berth's ImageService against `podman load`, side by side.
//
//   node bench/load.mjs [--runs N] [--skip-debian]
//
// The archives are docker-archives written by podman (neutral ground) from a busybox
// rootfs (test/fixtures/make-busybox-rootfs.sh) and a debootstrap Debian minbase rootfs
// (cached in .cache/bench, as bench/run.mjs does). Each run starts from empty storage for
// both tools and is timed as a whole process (node start included for Berth). Needs a
// build (`npx tsc -p .`) for out/.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runs = Number(args.includes('--runs') ? args[args.indexOf('--runs') + 1] : 5);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-load-'));
const cache = path.join(repo, '.cache', 'bench');
fs.mkdirSync(cache, { recursive: true });
const podmanStore = (dir) => ['--root', `${dir}/root`, '--runroot', `${dir}/run`, '--storage-driver', 'overlay', '--events-backend', 'file'];
const sh = (cmd, argv, options = {}) => execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options });
const log = (text) => process.stderr.write(`bench/load: ${text}\n`);

function archive(name, rootfs) {
  const file = path.join(cache, `${name}.docker-archive.tar`);
  if (fs.existsSync(file)) return file;
  log(`making ${file} with podman`);
  const store = podmanStore(path.join(work, `make-${name}`));
  const tar = path.join(work, `${name}.rootfs.tar`);
  sh('tar', ['-C', rootfs, '--exclude', './.complete', '-cf', tar, '.']);
  sh('podman', [...store, 'import', tar, `localhost/bench-${name}:latest`]);
  sh('podman', [...store, 'save', '--format', 'docker-archive', '-o', `${file}.tmp`, `localhost/bench-${name}:latest`]);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

function busyboxRootfs() {
  const dir = path.join(work, 'busybox-rootfs');
  sh('bash', [path.join(repo, 'test', 'fixtures', 'make-busybox-rootfs.sh'), dir]);
  return dir;
}

function debianRootfs() {
  const dir = path.join(cache, 'debian-rootfs');
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  log('debootstrap of Debian bookworm (minbase) into .cache/bench — once, a few minutes');
  fs.rmSync(dir, { recursive: true, force: true });
  sh('debootstrap', ['--variant=minbase', 'bookworm', dir, process.env.BERTH_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian']);
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return dir;
}

const berthScript = (root, runtimeDir, file) => `
  const { ImageService } = require(${JSON.stringify(path.join(repo, 'out/src/runtime/image/image-service.js'))});
  const { HelperClient } = require(${JSON.stringify(path.join(repo, 'out/src/runtime/container/helper-client.js'))});
  const { storePaths } = require(${JSON.stringify(path.join(repo, 'out/src/runtime/paths.js'))});
  const { currentIdMap } = require(${JSON.stringify(path.join(repo, 'out/src/runtime/idmap.js'))});
  let helper;
  const svc = new ImageService(storePaths(${JSON.stringify(root)}), currentIdMap(), () => (helper ??= HelperClient.connect({ runtimeDir: ${JSON.stringify(runtimeDir)} })));
  svc.loadImages(${JSON.stringify(file)}).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`;

function timed(cmd, argv) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.slice(0, 3).join(' ')}… failed (${r.status})`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function clean(dir) {
  // Files owned by subordinate ids (rootless podman) need podman's own namespace to remove.
  spawnSync('podman', ['unshare', 'rm', '-rf', dir], { stdio: 'ignore' });
  fs.rmSync(dir, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cases = [['busybox', archive('busybox', busyboxRootfs())]];
if (!args.includes('--skip-debian')) cases.push(['debian', archive('debian', debianRootfs())]);
const rows = [];
for (const [name, file] of cases) {
  const berth = [];
  const podman = [];
  for (let i = 0; i < runs; i++) {
    const b = path.join(work, `berth-${i}`);
    berth.push(timed(process.execPath, ['-e', berthScript(path.join(b, 'store'), path.join(b, 'run'), file)]));
    const p = path.join(work, `podman-${i}`);
    podman.push(timed('podman', [...podmanStore(p), 'load', '-q', '-i', file]));
    // The helper daemon leaves by itself when idle; its store goes now.
    spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(repo, 'out/src/runtime/container/helper-client.js'))}).HelperClient.connect({ runtimeDir: ${JSON.stringify(path.join(b, 'run'))} }).then(async (h) => { await h.rmtree({ path: ${JSON.stringify(b)}, ...require(${JSON.stringify(path.join(repo, 'out/src/runtime/idmap.js'))}).currentIdMap() }); await h.shutdown(); })`]);
    clean(b);
    clean(p);
  }
  const row = { image: name, archiveMB: +(fs.statSync(file).size / 1e6).toFixed(1), berthMs: Math.round(median(berth)), podmanMs: Math.round(median(podman)) };
  row.ratio = +(row.berthMs / row.podmanMs).toFixed(2);
  row.target = row.ratio < 0.5 ? 'met (< 0.5)' : 'NOT met (< 0.5)';
  rows.push(row);
}
console.table(rows);
fs.rmSync(work, { recursive: true, force: true });
