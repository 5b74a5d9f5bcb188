// `berth build` against `buildah bud --layers` and `podman build`, in one run: medians
// (hyperfine) and ratios for a cold build (--no-cache, base image present) and a fully
// cached rebuild of the same Dockerfiles:
//   six-steps   ENV, COPY, RUN, WORKDIR, COPY, RUN on busybox
//   1k-files    COPY of a directory of 1,000 small files, then a RUN over them
//   50mb-file   COPY of one 50 MB file, then a RUN reading it
//
// Also the fully cached rebuild through Engine.buildImage() in a warm process (the
// extension's path), where starting Node and loading the CLI (~40 ms of CPU here) do not count.
//
//   node bench/build.mjs [--runs N] [--out bench/build-results.md]
//
// Every tool gets its own throw-away storage. buildah and podman run their RUN steps with
// runc and explicit rlimits: crun refuses this machine's hybrid cgroups and the hard
// limits are below their defaults (../../shared/ENVIRONMENT.md).
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = Number(option('--runs', '5'));
const outFile = path.resolve(repo, option('--out', 'bench/build-results.md'));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-build-'));
const env = { ...process.env, BERTH_ROOT: path.join(work, 'berth'), BERTH_RUNTIME_DIR: path.join(work, 'berth-run'), CONTAINERS_CONF: path.join(work, 'containers.conf') };
const hard = (flag) => execFileSync('bash', ['-c', `ulimit -H${flag}`], { encoding: 'utf8' }).trim();
fs.writeFileSync(env.CONTAINERS_CONF, `[containers]\ndefault_ulimits = ["nofile=${hard('n')}:${hard('n')}", "nproc=${hard('u')}:${hard('u')}"]\n`);
const ulimits = `--ulimit nofile=1024:1024 --ulimit nproc=1024:1024`;
const storage = (name) => `--root ${work}/${name}/root --runroot ${work}/${name}/run --storage-driver overlay`;
const berth = path.join(repo, 'bin', 'berth');
const buildah = `buildah ${storage('buildah')}`;
const podman = `podman ${storage('podman')} --cgroup-manager cgroupfs --events-backend file`;
const BASE = 'docker.io/library/busybox:bench';

const sh = (command) => execFileSync('bash', ['-c', command], { env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' }).trim();
const log = (text) => process.stderr.write(`bench: ${text}\n`);

function hyperfine(label, commands, warmup) {
  const json = path.join(work, `${label}.json`);
  const argv = ['--style', 'none', '--warmup', String(warmup), '--runs', String(runs), '--export-json', json];
  for (const [name, command] of Object.entries(commands)) argv.push('--command-name', name, command);
  log(`${label}: ${Object.keys(commands).join(' vs ')}`);
  const r = spawnSync('hyperfine', argv, { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`hyperfine failed for ${label}`);
  return Object.fromEntries(JSON.parse(fs.readFileSync(json, 'utf8')).results.map((x) => [x.command, x.median * 1000]));
}

function context(name, dockerfile, fill) {
  const dir = path.join(work, 'ctx', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  fill(dir);
  return dir;
}

const cases = {
  'six-steps': context('six', `FROM ${BASE}\nENV APP=/app\nCOPY a.txt /app/a.txt\nRUN echo built > /app/built\nWORKDIR /app\nCOPY b.txt .\nRUN cat a.txt b.txt > both\n`, (d) => {
    fs.writeFileSync(path.join(d, 'a.txt'), 'a\n');
    fs.writeFileSync(path.join(d, 'b.txt'), 'b\n');
  }),
  '1k-files': context('many', `FROM ${BASE}\nCOPY files /files\nRUN ls /files | wc -l > /count\n`, (d) => {
    fs.mkdirSync(path.join(d, 'files'));
    for (let i = 0; i < 1000; i++) fs.writeFileSync(path.join(d, 'files', `f${i}.txt`), `file ${i}\n`.repeat(10));
  }),
  '50mb-file': context('big', `FROM ${BASE}\nCOPY big.bin /big.bin\nRUN wc -c < /big.bin > /size\n`, (d) => {
    fs.writeFileSync(path.join(d, 'big.bin'), Buffer.alloc(50 * 1024 * 1024, 7).map((_, i) => (i * 2654435761) >>> 24));
  }),
};

// The same busybox image in every store.
const rootfs = path.join(work, 'rootfs');
sh(`bash ${repo}/test/fixtures/make-busybox-rootfs.sh ${rootfs} >/dev/null && tar -C ${rootfs} -cf ${work}/rootfs.tar .`);
sh(`${berth} import ${work}/rootfs.tar ${BASE} >/dev/null && ${berth} save -o ${work}/busybox.tar ${BASE}`);
// The archive says `busybox:bench`, which buildah and podman read as localhost/busybox.
for (const [tool, add] of [[buildah, 'pull -q docker-archive:'], [podman, 'load -q -i ']]) sh(`${tool} ${add}${work}/busybox.tar >/dev/null && ${tool} tag localhost/busybox:bench ${BASE}`);

const tools = (ctx, extra) => ({
  berth: `${berth} build -q ${extra.berth ?? ''} -t bench ${ctx} >/dev/null`,
  'buildah bud --layers': `${buildah} bud -q --layers --runtime runc ${ulimits} ${extra.other ?? ''} -t bench ${ctx} >/dev/null`,
  'podman build': `${podman} build -q --layers --runtime runc ${ulimits} ${extra.other ?? ''} -t bench ${ctx} >/dev/null`,
});

const { Engine } = createRequire(import.meta.url)(path.join(repo, 'out', 'src', 'runtime', 'engine.js'));
const engine = await Engine.open({ root: env.BERTH_ROOT, runtimeDir: env.BERTH_RUNTIME_DIR });

/** Median ms of a cached rebuild through a warm Engine. */
async function warmCached(ctx) {
  const dockerfile = fs.readFileSync(path.join(ctx, 'Dockerfile'), 'utf8');
  const times = [];
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    await engine.buildImage({ context: ctx, dockerfile, tags: ['bench'] });
    times.push(performance.now() - t);
  }
  return times.slice(2).sort((a, b) => a - b)[Math.floor(runs / 2)];
}

// Wall times on a shared machine follow its load: the table says what it was.
const loadAtStart = os.loadavg()[0];
const rows = [];
for (const [name, ctx] of Object.entries(cases)) {
  const cold = hyperfine(`${name}-cold`, tools(ctx, { berth: '--no-cache', other: '--no-cache' }), 1);
  const cached = hyperfine(`${name}-cached`, tools(ctx, {}), 2);
  rows.push({ name, cold, cached, warm: await warmCached(ctx) });
}

const ms = (v) => `${v.toFixed(0)} ms`;
const load = `load average ${loadAtStart.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end`;
let md = `# berth build vs buildah and podman\n\n${new Date().toISOString()} — ${os.cpus().length} CPUs, ${load}, ${runs} runs each, medians (hyperfine).\n\n`;
md += '| Dockerfile | build | berth CLI | buildah | podman | buildah / berth CLI | target |\n| --- | --- | --- | --- | --- | --- | --- |\n';
for (const r of rows) {
  for (const [kind, t, target] of [['cold (--no-cache)', r.cold, 1], ['fully cached', r.cached, 5]]) {
    const ratio = t['buildah bud --layers'] / t.berth;
    md += `| ${r.name} | ${kind} | ${ms(t.berth)} | ${ms(t['buildah bud --layers'])} | ${ms(t['podman build'])} | ${ratio.toFixed(1)}x | ≥ ${target}x ${ratio >= target ? '✓' : '✗'} |\n`;
  }
}
md += '\nFully cached rebuild through a warm Engine (no Node start-up):\n\n| Dockerfile | berth Engine | buildah CLI | buildah / berth |\n| --- | --- | --- | --- |\n';
for (const r of rows) md += `| ${r.name} | ${ms(r.warm)} | ${ms(r.cached['buildah bud --layers'])} | ${(r.cached['buildah bud --layers'] / r.warm).toFixed(1)}x |\n`;
fs.writeFileSync(outFile, md);
process.stdout.write(md);
try {
  sh(`${buildah} rm --all >/dev/null 2>&1; ${buildah} rmi --all --force >/dev/null 2>&1; ${podman} system reset --force >/dev/null 2>&1`);
} catch {
  // peers' storage: best effort
}
fs.rmSync(work, { recursive: true, force: true });
