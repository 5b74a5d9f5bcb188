// The extension's views at scale (issue 5, Behaviour): how long a full refresh of the
// Containers and Images views takes with 500 containers and 500 images, and how long a
// `berth run -d` in another process takes to reach the Containers view.
//
//   node bench/extension.mjs [--runs N] [--out bench/extension-results.md]
//
// Where it runs: a plain Node process that loads the extension's own view modules
// (out/src/extension/views, from `tsc`) with a minimal `vscode` stub — EventEmitter,
// TreeItem, configuration defaults. The extension host is a Node process too, and the
// views, the RuntimeModel and the Engine they call are the same code, so the figures
// are the extension host's work minus VS Code's own rendering (which happens in the
// workbench, not in the extension host).
//
// Refresh = RuntimeModel.refresh() (both engine list calls) + the views' rebuild +
// getChildren for the whole expanded tree + getTreeItem for every row, as VS Code asks
// after onDidChangeTreeData. Latency = the CLI's event time (appended to events.jsonl by
// the other process) to the Containers view's change event that shows the container.
// The store (BERTH_BENCH_DIR, default $TMPDIR/berth-bench-extension) is kept between runs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const runs = Number(option('--runs', '20'));
const outFile = path.resolve(repo, option('--out', 'bench/extension-results.md'));
const COUNT = 500;

const work = process.env.BERTH_BENCH_DIR ?? path.join(os.tmpdir(), 'berth-bench-extension');
const root = path.join(work, 'store');
process.env.BERTH_ROOT = root;
process.env.BERTH_RUNTIME_DIR ??= path.join(work, 'run');
const berth = (...argv) => execFileSync(path.join(repo, 'bin', 'berth'), argv, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' }).trim();
const log = (text) => process.stderr.write(`bench: ${text}\n`);

// ---- the vscode stub: only what the views, the model and output.ts touch ----------
class EventEmitter {
  listeners = new Set();
  event = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value) {
    for (const l of this.listeners) l(value);
  }
  dispose() {
    this.listeners.clear();
  }
}
const silent = () => undefined;
const vscode = {
  EventEmitter,
  TreeItem: class {
    constructor(label, collapsibleState) {
      Object.assign(this, { label, collapsibleState });
    }
  },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ThemeIcon: class {
    constructor(id, color) {
      Object.assign(this, { id, color });
    }
  },
  ThemeColor: class {
    constructor(id) {
      this.id = id;
    }
  },
  MarkdownString: class {
    value = '';
    appendMarkdown(text) {
      this.value += text;
      return this;
    }
  },
  Uri: { from: (parts) => ({ ...parts, toString: () => `${parts.scheme}://${parts.authority}${parts.path}` }) },
  FileType: { File: 1, Directory: 2 },
  CancellationError: class extends Error {},
  workspace: {
    getConfiguration: () => ({ get: (_key, fallback) => fallback }),
    onDidChangeConfiguration: () => ({ dispose: silent }),
  },
  window: {
    createOutputChannel: () => ({ info: silent, warn: silent, error: silent, trace: silent, show: silent, dispose: silent }),
    showErrorMessage: (...m) => {
      log(`error shown: ${m[0]}`);
      return Promise.resolve(undefined);
    },
  },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};
const require = createRequire(import.meta.url);
const out = (p) => path.join(repo, 'out', 'src', p);
const { Engine } = require(out('runtime/engine.js'));
const { RuntimeModel } = require(out('extension/views/runtime-model.js'));
const { ContainersView } = require(out('extension/views/containers-view.js'));
const { ImagesView } = require(out('extension/views/images-view.js'));

// ---- the store: busybox for the containers, COUNT tiny distinct images -------------
async function prepareStore() {
  const engine = await Engine.open();
  const images = await engine.listImages();
  if (!images.some((i) => i.repoTags.includes('bench-busybox:latest'))) {
    const rootfs = path.join(work, 'busybox-rootfs');
    execFileSync('bash', [path.join(repo, 'test/fixtures/make-busybox-rootfs.sh'), rootfs], { stdio: 'ignore' });
    await engine.importImage(rootfs, 'bench-busybox', { changes: ['CMD ["sh"]'] });
  }
  const tagged = new Set(images.flatMap((i) => i.repoTags));
  for (let i = 0; i < COUNT; i++) {
    // 50 repositories of 10 tags: the Images view's grouping has real work to do.
    const ref = `bench/app${i % 50}:v${i}`;
    if (tagged.has(ref)) continue;
    const dir = path.join(work, 'tiny');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'id'), `${i}\n`);
    await engine.importImage(dir, ref);
    if (i % 50 === 49) log(`${i + 1} images`);
  }
  const have = (await engine.listContainers({ all: true })).length;
  for (let i = have; i < COUNT; i++) {
    await engine.createContainer({ image: 'bench-busybox', cmd: ['true'], name: `bench-${i}`, labels: { bench: String(i % 7) } });
    if (i % 50 === 49) log(`${i + 1} containers`);
  }
}

// ---- measurements --------------------------------------------------------------------
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs) => Math.max(...xs);
const ms = (x) => `${x.toFixed(1)} ms`;

/** Every row VS Code would render: roots, children of expanded nodes, a TreeItem each. */
async function walk(view) {
  let rows = 0;
  const visit = async (node) => {
    const item = view.getTreeItem(node);
    rows++;
    if (item.collapsibleState === vscode.TreeItemCollapsibleState.Expanded) for (const child of await view.getChildren(node)) await visit(child);
  };
  for (const node of await view.getChildren()) await visit(node);
  return rows;
}

/** Wall time, process CPU time and the longest event-loop block of `fn`. */
async function measure(fn) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const cpu = process.cpuUsage();
  const began = performance.now();
  const result = await fn();
  const wall = performance.now() - began;
  const used = process.cpuUsage(cpu);
  delay.disable();
  return { wall, cpu: (used.user + used.system) / 1000, block: delay.max / 1e6, result };
}

async function refreshTimes(model, containersView, imagesView) {
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    const m = await measure(async () => {
      await model.refresh();
      return [await walk(containersView), await walk(imagesView)];
    });
    if (i >= 2) samples.push(m); // two warm-ups: modules loaded, JIT warm, page cache hot
  }
  return samples;
}

async function listTimes(engine) {
  const times = { containers: [], images: [] };
  for (let i = 0; i < runs + 2; i++) {
    const c = await measure(() => engine.listContainers({ all: true }));
    const im = await measure(() => engine.listImages({ all: true }));
    if (i >= 2) {
      times.containers.push(c.wall);
      times.images.push(im.wall);
    }
  }
  return times;
}

/**
 * CLI event time → the Containers view's change event that shows the container running;
 * and the part of it before the model received the event (the file watch and read).
 */
async function latencies(model, containersView, samples) {
  const out = { tree: [], received: [] };
  for (let i = 0; i < samples; i++) {
    let startEvent;
    const seen = new Promise((resolve) => {
      const events = model.onDidReceiveEvent((e) => {
        if (e.type !== 'container.start') return;
        startEvent = e;
        out.received.push(Date.now() - Date.parse(e.time));
      });
      const changes = containersView.onDidChangeTreeData(() => {
        const at = Date.now();
        if (startEvent && containersView.find(startEvent.id)?.container.status === 'running') {
          events.dispose();
          changes.dispose();
          resolve(at - Date.parse(startEvent.time));
        }
      });
    });
    const id = berth('run', '-d', '--network', 'none', 'bench-busybox', 'sleep', '60');
    out.tree.push(await Promise.race([seen, new Promise((_, reject) => setTimeout(() => reject(new Error(`container ${id} never showed as running`)), 10_000))]));
    berth('rm', '-f', id);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the removal's refresh settles
  }
  return out;
}

fs.mkdirSync(work, { recursive: true });
await prepareStore();
const engine = await Engine.open();
const model = new RuntimeModel();
const containersView = new ContainersView(model);
const imagesView = new ImagesView(model);
const first = await measure(async () => [await walk(containersView), await walk(imagesView)]);
const [containerRows, imageRows] = first.result;
log(`first open: ${ms(first.wall)} (${containerRows} + ${imageRows} rows)`);
const lists = await listTimes(engine);
const refresh = await refreshTimes(model, containersView, imagesView);
const latency = await latencies(model, containersView, Math.min(runs, 10));
model.dispose();

const rows = [
  ['first open (engine opened, both lists read, trees walked)', ms(first.wall), ms(first.cpu), ms(first.block)],
  ['engine.listContainers, 500 containers', ms(median(lists.containers)), '', ''],
  ['engine.listImages, 500 images', ms(median(lists.images)), '', ''],
  ['full refresh, 500 + 500 (median)', ms(median(refresh.map((r) => r.wall))), ms(median(refresh.map((r) => r.cpu))), ms(median(refresh.map((r) => r.block)))],
  ['full refresh, 500 + 500 (worst)', ms(max(refresh.map((r) => r.wall))), ms(max(refresh.map((r) => r.cpu))), ms(max(refresh.map((r) => r.block)))],
  [`event → tree, \`berth run -d\` in another process (median of ${latency.tree.length})`, ms(median(latency.tree)), '', ''],
  [`event → tree (worst of ${latency.tree.length})`, ms(max(latency.tree)), '', ''],
  ['… of which event → model (file watch + read), median', ms(median(latency.received)), '', ''],
];
const table = [
  '| measurement | wall | CPU (process) | longest event-loop block |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`;
const report = `# The extension's views at scale

\`node bench/extension.mjs\` on ${machine}; ${runs} refreshes after two warm-ups.
Containers: ${containerRows} tree rows (grouped by state); images: ${imageRows} rows (50 repositories × 10 tags).
Targets (issue 5): refresh of 500 + 500 under 200 ms of extension-host time; event to tree within 200 ms.

${table}

Measured in a Node process running the extension's view modules (RuntimeModel,
ContainersView, ImagesView) and the Engine with a minimal \`vscode\` stub: the same code
and the same single thread as in the extension host, without the workbench's rendering.
"CPU (process)" includes libuv's thread pool (file reads); "longest event-loop block"
is the longest stretch the thread could not answer anything else (VS Code's messages).
`;
fs.writeFileSync(outFile, report);
process.stdout.write(`${table}\n`);
process.exit(0);
