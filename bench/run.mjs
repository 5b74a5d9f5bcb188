// Berth against its peers, in one run on one machine: medians and ratios.
//
//   node bench/run.mjs [--runs N] [--skip-debian] [--only start,cycle,load] [--out bench/results.md]
//
// What is compared (see issue "Runtime core", benchmark section):
//   1. start-to-exit of `true`: `berth run --rm` (CLI) vs `podman run --rm --network none`
//      vs `crun run` of the same bundle Berth generates, and Engine.runContainer() from a
//      warm process (the extension's path);
//   2. a `run -d` + `stop` + `rm` cycle, berth vs podman;
//   3. `load` of a busybox archive and of a debootstrap Debian archive, berth vs podman.
// Every tool gets its own throw-away storage, so caches and earlier runs don't count.
// Timings come from hyperfine (whole commands) and from performance.now() in-process.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { busyboxRootfs, cacheDir, debianRootfs, repo } from './fixtures.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = Number(option('--runs', '20'));
const outFile = path.resolve(repo, option('--out', 'bench/results.md'));
const skipDebian = args.includes('--skip-debian');
// Parts to measure (all by default): `--only load` while working on load alone.
const parts = new Set(option('--only', 'start,cycle,load').split(','));

// crun refuses hybrid cgroups (v1 + a cgroup2 mount at unified/) unless that mount is
// gone; the whole run moves into a private mount namespace without it, so every tool
// sees the same host.
if (fs.existsSync('/sys/fs/cgroup/unified/cgroup.controllers') && !process.env.BERTH_BENCH_PRIVATE_NS) {
  const self = process.argv.slice(1).map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `umount /sys/fs/cgroup/unified && exec node ${self}`], {
    stdio: 'inherit',
    env: { ...process.env, BERTH_BENCH_PRIVATE_NS: '1' },
  });
  process.exit(r.status ?? 1);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
// Each tool's storage in a block group of its own (chattr +T: ext4's Orlov allocator then
// spreads the dirs made in work/): on ext4 without a journal (this VM) a file made in a
// group that lost inodes in the last half minute costs the skipping of each of them
// (ialloc.c recently_deleted), so a tool would otherwise pay for the deletions of the one
// measured before it. Best effort: other file systems have no such flag.
spawnSync('chattr', ['+T', work]);
// Every tool's per-boot state (Berth's runtime dir, podman's runroot, crun's state) on a
// tmpfs, where /run and $XDG_RUNTIME_DIR are on a usual host (not on this VM's, whose /run
// is on the root disk).
const runWork = fs.mkdtempSync('/dev/shm/berth-bench-run-');
fs.mkdirSync(cacheDir, { recursive: true });
const berthRoot = path.join(work, 'berth');
const berthRunDir = path.join(runWork, 'berth');
const crunState = path.join(runWork, 'crun');
const podmanRoot = path.join(work, 'podman');
const podmanRunRoot = path.join(runWork, 'podman');
// podman's default nofile limit is above this host's hard limit (see ENVIRONMENT.md).
const containersConf = path.join(work, 'containers.conf');
const hardLimit = (what) => execFileSync('bash', ['-c', `ulimit -H${what}`], { encoding: 'utf8' }).trim();
// (nproc at the hard limit still fails inside crun here; a modest value works.)
fs.writeFileSync(containersConf, `[containers]\ndefault_ulimits = ["nofile=${hardLimit('n')}:${hardLimit('n')}", "nproc=4096:4096"]\n`);
const env = { ...process.env, BERTH_ROOT: berthRoot, BERTH_RUNTIME_DIR: berthRunDir, CONTAINERS_CONF: containersConf };
const cli = path.join(repo, 'bin', 'berth');
const podman = `podman --root ${podmanRoot}/root --runroot ${podmanRunRoot} --storage-driver overlay --cgroup-manager cgroupfs --events-backend file`;

const sh = (command, options = {}) => execFileSync('bash', ['-c', command], { env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options }).trim();
const log = (text) => process.stderr.write(`bench: ${text}\n`);

/** hyperfine's median for each command, in milliseconds. */
function hyperfine(label, commands, { prepare, runs: n = runs, warmup = 3 } = {}) {
  const json = path.join(work, `${label}.json`);
  const argv = ['--style', 'none', '--warmup', String(warmup), '--runs', String(n), '--export-json', json];
  if (prepare) argv.push('--prepare', prepare);
  for (const [name, command] of Object.entries(commands)) argv.push('--command-name', name, command);
  log(`${label}: ${Object.keys(commands).join(' vs ')}`);
  const r = spawnSync('hyperfine', argv, { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`hyperfine failed for ${label}`);
  const results = JSON.parse(fs.readFileSync(json, 'utf8')).results;
  return Object.fromEntries(results.map((x) => [x.command, x.median * 1000]));
}

/** An image archive (docker-save format) made by Berth from a rootfs directory. */
function archiveOf(rootfs, name, file) {
  if (fs.existsSync(file)) return file;
  sh(`tar -C ${rootfs} -cf ${work}/${name}.rootfs.tar . && ${cli} import ${work}/${name}.rootfs.tar ${name} >/dev/null && ${cli} save -o ${file}.tmp ${name} && mv ${file}.tmp ${file}`);
  return file;
}

/**
 * The `crun run` command for Berth's generated bundle of `run [flags] bench-busybox true`,
 * rewritten for crun: a plain rootfs dir. Berth gives a container a cgroup only when it
 * has limits; without one crun runs with its cgroup manager disabled, so both do the
 * same work.
 */
function crunCommand(rootfs, name, flags = '') {
  // The bundle is written at start, in the runtime dir; an exited container keeps it.
  const id = sh(`${cli} run -d --network none ${flags} bench-busybox true`);
  sh(`${cli} wait ${id} >/dev/null`);
  const spec = JSON.parse(fs.readFileSync(path.join(berthRunDir, 'containers', id, 'config.json'), 'utf8'));
  sh(`${cli} rm ${id} >/dev/null`);
  const bundle = path.join(work, name);
  fs.mkdirSync(bundle);
  // crun takes the rootfs as a directory instead of Berth's overlay mount on "/";
  // everything else (namespaces, mounts, caps, masked paths, the cgroup) is the same.
  spec.root = { path: rootfs, readonly: false };
  spec.mounts = spec.mounts.filter((m) => m.destination !== '/' && !m.source?.startsWith(berthRoot) && !m.source?.startsWith(berthRunDir));
  if (spec.linux.cgroupsPath) spec.linux.cgroupsPath = `${spec.linux.cgroupsPath}-crun`;
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
  return `crun --root ${crunState} --cgroup-manager=${spec.linux.cgroupsPath ? 'cgroupfs' : 'disabled'} run -b ${bundle} ${name}`;
}

function engineStartToExit(n, memory) {
  const args = [path.join(repo, 'bench', 'api-start-to-exit.cjs'), 'bench-busybox', String(n), ...(memory ? [String(memory)] : [])];
  return Number(execFileSync('node', args, { env, encoding: 'utf8' }));
}

function main() {
  for (const tool of ['hyperfine', 'podman', 'crun']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is missing: run \`bash scripts/install-deps.sh test\` first`);
  }
  if (!fs.existsSync(path.join(repo, 'dist', 'cli.js')) || !fs.existsSync(path.join(repo, 'out', 'src', 'runtime', 'engine.js'))) {
    throw new Error('build first: `npx tsc -p . && node esbuild.mjs`');
  }
  const busyboxDir = busyboxRootfs(path.join(work, 'busybox-rootfs'));
  const busybox = archiveOf(busyboxDir, 'bench-busybox', path.join(work, 'busybox.tar'));
  const rows = [];
  if (parts.has('start') || parts.has('cycle')) sh(`${podman} load -q -i ${busybox} >/dev/null`);
  if (parts.has('start')) {
    const crun = crunCommand(busyboxDir, 'bench-crun');
    const crunLimited = crunCommand(busyboxDir, 'bench-crun-limited', '--memory 64m');
    // Before the runs of the CLIs: each `podman run --rm` deletes a few hundred files, and
    // ext4 without a journal (this VM) then skips every inode deleted in the last half
    // minute when it allocates one (ialloc.c recently_deleted), so whoever creates files
    // after podman pays for podman's deletions. crun creates none on the disk.
    const api = engineStartToExit(runs);
    const apiLimited = engineStartToExit(runs, 64 << 20);
    const start = hyperfine('run', {
      'berth run --rm': `${cli} run --rm --network none bench-busybox true`,
      'podman run --rm --network none': `${podman} run --rm --network none bench-busybox true`,
      'crun run': crun,
      'crun run, memory limit': crunLimited,
    });
    rows.push(['start-to-exit `true`, CLI', start['berth run --rm'], start['podman run --rm --network none'], 'podman `run --rm --network none`', 0.75]);
    rows.push(['start-to-exit `true`, API (warm process)', api, start['crun run'], '`crun run`, same bundle', 2]);
    rows.push(['the same with `--memory 64m` (a cgroup)', apiLimited, start['crun run, memory limit'], '`crun run`, same bundle and cgroup', undefined]);
    rows.push(['CLI `run --rm` vs `crun run`', start['berth run --rm'], start['crun run'], '`crun run`, same bundle', undefined]);
  }

  if (parts.has('cycle')) {
    const loop = "sh -c 'trap \"exit 0\" TERM; sleep 100 & wait'";
    const cycle = hyperfine('cycle', {
      berth: `${cli} run -d --name cyc bench-busybox ${loop} >/dev/null && ${cli} stop cyc >/dev/null && ${cli} rm cyc >/dev/null`,
      podman: `${podman} run -d --network none --name cyc bench-busybox ${loop} >/dev/null && ${podman} stop cyc >/dev/null && ${podman} rm cyc >/dev/null`,
    }, { runs: Math.max(5, Math.floor(runs / 2)) });
    rows.push(['`run -d` + `stop` + `rm`', cycle.berth, cycle.podman, 'podman, same verbs', undefined]);
  }

  if (!parts.has('load')) return rows;
  const loads = [['busybox', busybox]];
  if (!skipDebian) loads.push(['Debian (debootstrap minbase)', archiveOf(debianRootfs(log), 'bench-debian', path.join(cacheDir, 'debian.tar'))]);
  // Each run loads into a store of its own, and the stores go only at the end: on ext4
  // without a journal (this VM) files made within a minute or so of a big removal in the
  // same block group cost up to 100 times more (ialloc.c recently_deleted), so removing
  // the last run's store before each one measured the file system's allocator, not the
  // tools, and whichever tool landed in the emptied groups.
  const counter = path.join(work, 'load-run');
  fs.writeFileSync(counter, '0');
  const store = (tool) => `${work}/load-${tool}-$(cat ${counter})`;
  for (const [name, archive] of loads) {
    const r = hyperfine(`load-${name.split(' ')[0]}`, {
      berth: `BERTH_ROOT=${store('berth')} ${cli} load -q -i ${archive}`,
      podman: `podman --root ${store('podman')}/root --runroot ${store('podman')}/run --storage-driver overlay load -q -i ${archive}`,
    }, { prepare: `echo $(( $(cat ${counter}) + 1 )) > ${counter}`, runs: name === 'busybox' ? runs : 5, warmup: 1 });
    rows.push([`\`load\` ${name}`, r.berth, r.podman, '`podman load`', 0.5]);
  }
  return rows;
}

function table(rows) {
  const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
  const lines = [
    `Medians on ${os.cpus().length} cores (${os.cpus()[0].model.trim()}), kernel ${os.release()}, as ${process.getuid() === 0 ? 'root' : 'an unprivileged user'}; ${runs} runs each.`,
    '',
    '| What | Berth | Peer | Peer median | Ratio | Target |',
    '|---|---:|---|---:|---:|---|',
  ];
  for (const [what, berth, peer, peerName, target] of rows) {
    const ratio = berth / peer;
    const verdict = target === undefined ? '' : `< ${target}x ${ratio < target ? '✓' : '✗'}`;
    lines.push(`| ${what} | ${ms(berth)} | ${peerName} | ${ms(peer)} | ${ratio.toFixed(2)}x | ${verdict} |`);
  }
  return lines.join('\n');
}

try {
  const text = table(main());
  fs.writeFileSync(outFile, `${text}\n`);
  process.stdout.write(`${text}\n`);
} finally {
  spawnSync('bash', ['-c', `${podman} rm -af >/dev/null 2>&1; ${podman} unshare true >/dev/null 2>&1; ${cli} rm -f $(${cli} ps -aq) >/dev/null 2>&1; rm -rf ${work} ${runWork} 2>/dev/null || true`], { env, stdio: 'ignore' });
}
