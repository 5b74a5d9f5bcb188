// Pull and push through a registry: `berth pull/push` against `podman pull/push` and
// `skopeo copy`, side by side, on Debian's docker-registry on 127.0.0.1.
//
//   node bench/registry.mjs [--runs N] [--skip-debian]
//
// Images: a busybox rootfs (test/fixtures/make-busybox-rootfs.sh) and a debootstrap
// Debian minbase rootfs (cached in .cache/bench, as bench/run.mjs does), imported into
// podman and pushed by podman (gzip layers: neutral ground) to a source registry.
//   pull  from the source registry into empty storage: berth (CLI process, layers
//         extracted), podman (layers extracted), skopeo (to an OCI dir: download only)
//   push  from each tool's own storage to a fresh, empty registry per run, so every
//         tool uploads every byte and nobody can mount or skip blobs
// Medians of N runs; ratios are berth / podman. Needs a build (dist/cli.js, run by bin/berth).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { busyboxRootfs, debianRootfs, repo } from './fixtures.mjs';

const args = process.argv.slice(2);
const runs = Number(args.includes('--runs') ? args[args.indexOf('--runs') + 1] : 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-registry-'));
const log = (text) => process.stderr.write(`bench/registry: ${text}\n`);
const cli = path.join(repo, 'bin', 'berth');

// Private credentials for every tool; docker-registry itself must not see REGISTRY_*.
const dockerConfig = path.join(work, 'docker');
fs.mkdirSync(dockerConfig);
fs.writeFileSync(path.join(dockerConfig, 'config.json'), '{}\n');
const toolEnv = { ...process.env, DOCKER_CONFIG: dockerConfig, REGISTRY_AUTH_FILE: path.join(dockerConfig, 'config.json') };
const registryEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
const podmanStore = (dir) => ['--root', `${dir}/root`, '--runroot', `${dir}/run`, '--storage-driver', 'overlay', '--events-backend', 'file'];
const sh = (cmd, argv) => execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: toolEnv });

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRegistry(name) {
  const dir = path.join(work, `registry-${name}`);
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore', env: registryEnv });
  for (let i = 0; i < 200; i++) {
    if (await fetch(`http://127.0.0.1:${port}/v2/`).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    stop: () => {
      child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function timed(cmd, argv, env = toolEnv) {
  // Dirty pages the previous tool left would be flushed by the next fsync, charging one
  // tool for another's writes.
  spawnSync('sync');
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.slice(0, 4).join(' ')}… failed (${r.status})`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function clean(dir) {
  // Files owned by subordinate ids (rootless podman) need podman's own namespace to remove.
  spawnSync('podman', ['unshare', 'rm', '-rf', dir], { stdio: 'ignore' });
  fs.rmSync(dir, { recursive: true, force: true });
}

function berthEnv(dir) {
  return { ...toolEnv, BERTH_ROOT: path.join(dir, 'store'), BERTH_RUNTIME_DIR: path.join(dir, 'run') };
}

function cleanBerth(dir) {
  // Rootless layers hold files of subordinate ids: the helper removes them, then leaves.
  spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(repo, 'out/src/runtime/container/helper-client.js'))}).HelperClient.connect({ runtimeDir: ${JSON.stringify(path.join(dir, 'run'))} }).then(async (h) => { await h.rmtree({ path: ${JSON.stringify(dir)}, ...require(${JSON.stringify(path.join(repo, 'out/src/runtime/idmap.js'))}).currentIdMap() }); await h.shutdown(); })`]);
  clean(dir);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const source = await startRegistry('source');
const images = [['busybox', busyboxRootfs(path.join(work, 'busybox-rootfs'))]];
if (!args.includes('--skip-debian')) images.push(['debian', debianRootfs(log)]);
const rows = [];
try {
  for (const [name, rootfs] of images) {
    const ref = `${source.host}/bench/${name}:1`;
    const seed = podmanStore(path.join(work, `sd-${name}`));
    const tar = path.join(work, `${name}.tar`);
    sh('tar', ['-C', rootfs, '--exclude', './.complete', '-cf', tar, '.']);
    sh('podman', [...seed, 'import', tar, `localhost/bench-${name}:1`]);
    sh('podman', [...seed, 'push', '-q', '--tls-verify=false', `localhost/bench-${name}:1`, ref]);
    clean(path.join(work, `sd-${name}`));
    fs.rmSync(tar);

    // Every pull goes to storage of its own, removed only after the last one: on ext4
    // without a journal (this VM) files made soon after a big removal in the same block
    // group cost up to 100 times more (ialloc.c recently_deleted), so removing one run's
    // tree right before the next tool's run charged that tool for it.
    const pull = { berth: [], podman: [], skopeo: [] };
    const pulled = [];
    for (let i = 0; i < runs; i++) {
      const b = path.join(work, `berth-pull-${name}-${i}`);
      pull.berth.push(timed(cli, ['pull', '-q', ref], berthEnv(b)));
      const p = path.join(work, `pp-${name}-${i}`);
      pull.podman.push(timed('podman', [...podmanStore(p), 'pull', '-q', '--tls-verify=false', ref]));
      const s = path.join(work, `skopeo-pull-${name}-${i}`);
      pull.skopeo.push(timed('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${s}:x`]));
      pulled.push(() => cleanBerth(b), () => clean(p), () => fs.rmSync(s, { recursive: true, force: true }));
    }
    for (const remove of pulled) remove();

    // Each tool's own copy to push from.
    const berthSrc = path.join(work, `berth-src-${name}`);
    const podmanSrc = podmanStore(path.join(work, `ps-${name}`));
    const ociSrc = path.join(work, `oci-src-${name}`);
    timed(cli, ['pull', '-q', ref], berthEnv(berthSrc));
    sh('podman', [...podmanSrc, 'pull', '-q', '--tls-verify=false', ref]);
    sh('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${ociSrc}:x`]);
    const push = { berth: [], podman: [], skopeo: [] };
    for (let i = 0; i < runs; i++) {
      for (const tool of ['berth', 'podman', 'skopeo']) {
        const dest = await startRegistry(`dest-${tool}-${i}`);
        const target = `${dest.host}/bench/${name}:1`;
        if (tool === 'berth') {
          timed(cli, ['tag', ref, target], berthEnv(berthSrc));
          push.berth.push(timed(cli, ['push', '-q', target], berthEnv(berthSrc)));
        } else if (tool === 'podman') {
          push.podman.push(timed('podman', [...podmanSrc, 'push', '-q', '--tls-verify=false', ref, target]));
        } else {
          push.skopeo.push(timed('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${ociSrc}:x`, `docker://${target}`]));
        }
        dest.stop();
      }
    }
    cleanBerth(berthSrc);
    clean(path.join(work, `ps-${name}`));
    fs.rmSync(ociSrc, { recursive: true, force: true });

    for (const [op, t] of [['pull', pull], ['push', push]]) {
      const row = { image: name, op, berthMs: Math.round(median(t.berth)), podmanMs: Math.round(median(t.podman)), skopeoMs: Math.round(median(t.skopeo)) };
      row.vsPodman = +(row.berthMs / row.podmanMs).toFixed(2);
      row.target = row.vsPodman <= 1 ? 'met (<= podman)' : 'NOT met (<= podman)';
      rows.push(row);
    }
  }
} finally {
  source.stop();
}
console.table(rows);
fs.rmSync(work, { recursive: true, force: true });
