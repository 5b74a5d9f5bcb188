/**
 * Fuzzes the Dockerfile parser, typed conversion, stage model and --change reader with
 * random Dockerfiles built from the language's sharp edges and with mutations of the
 * BuildKit vectors. Seeded (BERTH_FUZZ_SEED overrides; the seed is in every failure),
 * 100,000 inputs by default (BERTH_FUZZ_COUNT). Pass: nothing throws (except the
 * BerthError --change is documented to throw), every range lies inside the document in
 * order, and nothing hangs: the inputs run in a worker that a watchdog ends when one input
 * takes longer than HANG_MS, naming that input (a hang in synchronous code cannot be
 * caught from inside its own thread).
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { isBerthError } from '../../src/runtime/errors';
import { parseChanges } from '../../src/runtime/build/dockerfile/change';
import { buildModel } from '../../src/runtime/build/dockerfile/stages';
import type { Range } from '../../src/runtime/build/dockerfile/source';
import { listDirs, vectorsDir } from '../conformance/vectors';
import { seededRandom } from './seeded-random';

const SEED = Number(process.env.BERTH_FUZZ_SEED ?? 20240530);
const COUNT = Number(process.env.BERTH_FUZZ_COUNT ?? 100_000);
const HANG_MS = 5000;


const keywords = [
  'FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'ENV', 'ARG', 'LABEL', 'EXPOSE', 'VOLUME', 'WORKDIR', 'USER',
  'HEALTHCHECK', 'STOPSIGNAL', 'ONBUILD', 'MAINTAINER', 'from', 'Run', 'BOGUS', 'ONBUILD ONBUILD', 'ONBUILD RUN', 'HEALTHCHECK CMD',
];
const pieces = [
  ' ', ' ', ' ', '\t', '\\', '`', '\\\n', '`\n', '\n', '\r\n', '\n\n', '#', '# c\n', '"', "'", '[', ']', ',', '"a"', '["sh", "-c"]',
  '[1]', '[[', '{}', '$', '${', '}', '${A:-b}', '${A:?}', '${A/x/y}', '${#A}', '$A', '=', 'a=b', 'k v', '--', '--mount=', 'type=cache',
  ',target=/x', '--mount=type=secret,id=s', '--mount=type=tmpfs,size=1x', '--network=none', '--security=insecure', '--device=x,required',
  '--from=', '--chmod=', '--link', '--link=maybe', '--platform=$P', '--interval=1s', '--retries=-1', '--exclude=*.md', '<<', '<<EOF',
  '<<-EOF', "<<'EOF'", '<<"E F"', '3<<X', '<< EOF', 'EOF', '\tEOF', 'X', 'AS', 'as', 'stage', '1bad', 'alpine:3', ':', '/', '.', '*',
  'é', '한', '\u00a0', '\u0085', '\ufeff', '\u2028', '😀', '\u0000', '\x0b', '\x0c', '\r', '-', 'NONE', 'CMD', '80/udp', '8000-8002',
];
const directives = ['# escape=`\n', '# escape=\\\n', '# syntax=docker/dockerfile:1\n', '# check=skip=all;error=true\n', '# escape=x\n', '#escape=`\n'];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)];
}

function randomDockerfile(r: () => number): string {
  let out = '';
  if (r() < 0.3) for (let i = Math.floor(r() * 3); i >= 0; i--) out += pick(r, directives);
  const lines = 1 + Math.floor(r() * 8);
  for (let l = 0; l < lines; l++) {
    if (r() < 0.9) out += pick(r, keywords) + ' ';
    const n = Math.floor(r() * 10);
    for (let k = 0; k < n; k++) out += pick(r, pieces);
    out += r() < 0.9 ? '\n' : '';
  }
  return out;
}

function mutate(r: () => number, text: string): string {
  let s = text;
  const edits = 1 + Math.floor(r() * 6);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = r();
    if (op < 0.35) s = s.slice(0, at) + pick(r, pieces) + s.slice(at);
    else if (op < 0.6) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 8));
    else if (op < 0.75) s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 0x3000)) + s.slice(at + 1);
    else if (op < 0.85) s = s.slice(0, at);
    else {
      const from = Math.floor(r() * s.length);
      s = s.slice(0, at) + s.slice(from, from + Math.floor(r() * 40)) + s.slice(at);
    }
  }
  return s;
}

function seedCorpus(): string[] {
  const root = path.join(vectorsDir(), 'parser');
  const dirs = listDirs(path.join(root, 'testfiles')).map((d) => path.join(root, 'testfiles', d));
  dirs.push(...listDirs(path.join(root, 'testfiles-negative')).map((d) => path.join(root, 'testfiles-negative', d)));
  dirs.push(path.join(root, 'testfile-line'));
  return dirs.map((d) => fs.readFileSync(path.join(d, 'Dockerfile'), 'utf8'));
}

function checkRange(range: Range, lineCount: number, lineLength: (line: number) => number, what: string): void {
  const { start, end } = range;
  const ok =
    start.line >= 0 &&
    end.line < Math.max(lineCount, 1) &&
    (start.line < end.line || (start.line === end.line && start.character <= end.character)) &&
    start.character >= 0 &&
    end.character <= lineLength(end.line);
  if (!ok) throw new Error(`${what} range out of the document: ${JSON.stringify(range)}`);
}

function exercise(input: string): void {
  const lines = input.split('\n');
  const lineLength = (n: number) => (lines[n] ?? '').length;
  const model = buildModel(input, { buildArgs: { A: 'x y' } });
  for (const node of model.syntax.nodes) {
    checkRange(node.range, lines.length, lineLength, 'node');
    for (const w of node.args) checkRange(w.range, lines.length, lineLength, 'argument');
    for (const f of node.flags) checkRange(f.range, lines.length, lineLength, 'flag');
    for (const h of node.heredocs) checkRange(h.bodyRange, lines.length, lineLength, 'heredoc body');
  }
  for (const d of model.diagnostics) checkRange(d.range, lines.length, lineLength, `diagnostic ${d.code}`);
  const firstLine = input.split('\n', 1)[0];
  try {
    parseChanges([firstLine]);
  } catch (err) {
    if (!isBerthError(err, 'invalid-argument')) throw err;
  }
}

/** The inputs, the same sequence for the same seed in any thread. */
function* inputs(seed: number, count: number): Generator<string> {
  const r = seededRandom(seed);
  const corpus = seedCorpus();
  for (let i = 0; i < count; i++) yield r() < 0.5 ? randomDockerfile(r) : mutate(r, pick(r, corpus));
}

type Report = { done: true; slowest: number } | { done: false; index: number; error: string };

/** Worker side: runs every input, publishing the current index for the watchdog. */
function runInputs(seed: number, count: number, current: Int32Array): void {
  let index = 0;
  let slowest = 0;
  for (const input of inputs(seed, count)) {
    Atomics.store(current, 0, index);
    const t0 = performance.now();
    try {
      exercise(input);
    } catch (err) {
      parentPort?.postMessage({ done: false, index, error: (err as Error).stack ?? String(err) } satisfies Report);
      return;
    }
    slowest = Math.max(slowest, performance.now() - t0);
    index++;
  }
  parentPort?.postMessage({ done: true, slowest } satisfies Report);
}

function nthInput(seed: number, n: number): string {
  let i = 0;
  for (const input of inputs(seed, n + 1)) if (i++ === n) return input;
  return '';
}

if (!isMainThread && workerData?.fuzz) {
  const { seed, count, shared } = workerData as { seed: number; count: number; shared: SharedArrayBuffer };
  runInputs(seed, count, new Int32Array(shared));
} else {
  describe('Dockerfile fuzz', () => {
    it(`survives ${COUNT} random and mutated Dockerfiles (seed ${SEED}) without a throw or a hang`, async () => {
      const shared = new SharedArrayBuffer(4);
      const current = new Int32Array(shared);
      const worker = new Worker(__filename, { workerData: { fuzz: true, seed: SEED, count: COUNT, shared } });
      const started = Date.now();
      const report = await new Promise<Report | { hung: number }>((resolve, reject) => {
        let last = -1;
        let since = Date.now();
        const watchdog = setInterval(() => {
          const now = Atomics.load(current, 0);
          if (now !== last) {
            last = now;
            since = Date.now();
          } else if (Date.now() - since > HANG_MS) {
            clearInterval(watchdog);
            void worker.terminate();
            resolve({ hung: now });
          }
        }, 250);
        worker.on('message', (m: Report) => {
          clearInterval(watchdog);
          resolve(m);
        });
        worker.on('error', (err) => {
          clearInterval(watchdog);
          reject(err);
        });
      });
      await worker.terminate();
      if ('hung' in report) {
        assert.fail(`input #${report.hung} (seed ${SEED}) ran over ${HANG_MS} ms\ninput: ${JSON.stringify(nthInput(SEED, report.hung))}`);
      }
      if (!report.done) {
        assert.fail(`input #${report.index} (seed ${SEED}) failed: ${report.error}\ninput: ${JSON.stringify(nthInput(SEED, report.index))}`);
      }
      process.stdout.write(`# fuzz: ${COUNT} inputs in ${Date.now() - started} ms, slowest ${report.slowest.toFixed(1)} ms\n`);
    });
  });
}
