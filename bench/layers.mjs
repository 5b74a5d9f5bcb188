// Layers panel data: how long an Engine takes from an image reference to what the panel
// shows first (the report: rows, efficiency, wasted files) plus the top layer's trees
// (its own changes and the aggregated filesystem), serialised as the panel posts them.
// Images: a debootstrap Debian rootfs (BERTH_BENCH_DEBIAN, default /work/cache/debian-rootfs)
// imported, plus a COPY layer that overwrites and adds files; and a synthetic 100k-file
// image (import) with a second layer overwriting 1,000 of them.
// Targets (issue 7): Debian < 300 ms, 100k files < 2 s. Prints a Markdown table.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = process.env.BERTH_BENCH_DIR ?? path.join(os.tmpdir(), 'berth-bench-layers');
const root = path.join(work, 'store');
const env = { ...process.env, BERTH_ROOT: root };
const berth = (...args) => execFileSync(path.join(repo, 'bin', 'berth'), args, { env, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
fs.mkdirSync(work, { recursive: true });

function hasImage(ref) {
  try {
    execFileSync(path.join(repo, 'bin', 'berth'), ['image', 'inspect', ref], { env, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A two-layer image: `rootfs` imported, then a COPY of `overlay` over it. */
function twoLayers(name, rootfs, overlay) {
  if (hasImage(`${name}:top`)) return;
  berth('import', rootfs, `${name}:base`);
  const context = path.join(work, `${name}-context`);
  fs.rmSync(context, { recursive: true, force: true });
  fs.mkdirSync(context);
  fs.cpSync(overlay, path.join(context, 'overlay'), { recursive: true });
  fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${name}:base\nCOPY overlay/ /\nENV BENCH=1\n`);
  berth('build', '-q', '-t', `${name}:top`, context);
}

function synthetic(files) {
  const dir = path.join(work, `synthetic-${files}`);
  if (!fs.existsSync(path.join(dir, 'done'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    for (let i = 0; i < files; i++) {
      const sub = path.join(dir, `d${Math.floor(i / 1000)}`, `e${Math.floor(i / 100) % 10}`);
      if (i % 100 === 0) fs.mkdirSync(sub, { recursive: true });
      fs.writeFileSync(path.join(sub, `f${i}.txt`), `file ${i}\n`);
    }
    fs.writeFileSync(path.join(dir, 'done'), '');
  }
  return dir;
}

function overlayOf(name, write) {
  const dir = path.join(work, `${name}-overlay`);
  fs.rmSync(dir, { recursive: true, force: true });
  write(dir);
  return dir;
}

const debian = process.env.BERTH_BENCH_DEBIAN ?? '/work/cache/debian-rootfs';
const images = [];
if (fs.existsSync(debian)) {
  twoLayers('bench-debian', debian, overlayOf('bench-debian', (dir) => {
    fs.mkdirSync(path.join(dir, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'etc', 'os-release'), 'PRETTY_NAME="bench"\n');
    fs.mkdirSync(path.join(dir, 'opt', 'app'), { recursive: true });
    for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(dir, 'opt', 'app', `m${i}.js`), 'x'.repeat(1000));
  }));
  images.push('bench-debian:top');
} else {
  console.error(`no Debian rootfs at ${debian}: skipping the Debian image`);
}
twoLayers('bench-100k', synthetic(100_000), overlayOf('bench-100k', (dir) => {
  for (let i = 0; i < 1000; i++) {
    const sub = path.join(dir, `d${Math.floor(i / 1000)}`, `e${Math.floor(i / 100) % 10}`);
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `f${i}.txt`), `changed ${i}\n`);
  }
}));
images.push('bench-100k:top');

const { Engine } = createRequire(import.meta.url)(path.join(repo, 'out', 'src', 'runtime', 'engine.js'));
const engine = await Engine.open({ root });

async function panelData(ref) {
  const began = performance.now();
  const layers = await engine.imageLayers(ref);
  const top = layers.layerCount - 1;
  const bytes = JSON.stringify(layers.report).length + JSON.stringify(layers.tree(top, 'layer')).length + JSON.stringify(layers.tree(top, 'aggregated')).length;
  return { ms: performance.now() - began, bytes, files: layers.filesystem(top).size, report: layers.report };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let md = '| image | paths | layers | panel data (median of 7) | posted JSON | efficiency | `berth layers --json` |\n| --- | --- | --- | --- | --- | --- | --- |\n';
for (const ref of images) {
  const runs = [];
  let last;
  for (let i = 0; i < 7; i++) runs.push((last = await panelData(ref)).ms);
  const cliBegan = performance.now();
  berth('layers', '--json', ref);
  const cli = performance.now() - cliBegan;
  md += `| ${ref} | ${last.files} | ${last.report.rows.filter((r) => r.layer !== undefined).length} | ${median(runs).toFixed(0)} ms | ${(last.bytes / 1e6).toFixed(1)} MB | ${(last.report.summary.efficiency * 100).toFixed(2)} % | ${cli.toFixed(0)} ms |\n`;
}
console.log(md);
