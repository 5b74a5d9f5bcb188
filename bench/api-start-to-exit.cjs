// Start-to-exit of `true` through the runtime API from a warm process (the extension's
// path): prints the median of N runs in milliseconds.
//   node bench/api-start-to-exit.cjs IMAGE RUNS [MEMORY-LIMIT-BYTES]
//   (BERTH_ROOT / BERTH_RUNTIME_DIR pick the store)
const path = require('node:path');
const { Writable } = require('node:stream');
const { Engine } = require(path.join(__dirname, '..', 'out', 'src', 'runtime', 'engine.js'));

const [image, runs = '20', memory] = process.argv.slice(2);
const sink = () => new Writable({ write: (_chunk, _enc, done) => done() });

(async () => {
  const engine = await Engine.open();
  const resources = memory ? { memory: Number(memory) } : {};
  const once = () => engine.runContainer({ image, cmd: ['true'], autoRemove: true, network: 'none', resources }, { stdout: sink(), stderr: sink() });
  for (let i = 0; i < 3; i++) await once(); // warm: helper started, modules loaded, caches filled
  const times = [];
  for (let i = 0; i < Number(runs); i++) {
    const t = performance.now();
    await once();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(String(times[Math.floor(times.length / 2)]));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
