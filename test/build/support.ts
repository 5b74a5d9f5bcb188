/**
 * What the build suites share: a test store (../runtime/support.ts) plus build contexts
 * written from a file map, a build that records its progress events, and a way to run a
 * command in the built image and read its output.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { BuildEvent, BuildOptions } from '../../src/runtime/build/build';
import { CLI, type TestStore, eventually, openTestStore } from '../runtime/support';

export { openTestStore, type TestStore };

/**
 * The test store of the suite (`describe`) this is called in: opened before its first
 * test, disposed of after its last. The object is filled in by then, so the suite's tests
 * use it as they would the store itself.
 */
export function useTestStore(): TestStore {
  const store = {} as TestStore;
  before(async () => {
    Object.assign(store, await openTestStore());
  });
  after(async () => {
    await store.dispose?.();
  });
  return store;
}

/** A context directory holding `files` (a value of `{ mode, data }` sets the mode). */
export function makeContext(files: Record<string, string | { data: string; mode: number }>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctx-'));
  for (const [name, value] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (typeof value === 'string') fs.writeFileSync(file, value);
    else fs.writeFileSync(file, value.data, { mode: value.mode });
  }
  return dir;
}

export interface Built {
  id: string;
  events: BuildEvent[];
  /** Steps that ran a command or copied (not cached, not config-only). */
  ran: string[];
  cached: string[];
}

export async function buildWith(store: TestStore, context: string, options: Partial<BuildOptions> = {}): Promise<Built> {
  const events: BuildEvent[] = [];
  const dockerfile = options.dockerfile ?? fs.readFileSync(path.join(context, 'Dockerfile'), 'utf8');
  const result = await store.engine.buildImage({ context, ...options, dockerfile, onEvent: (e) => events.push(e) });
  const names = (type: BuildEvent['type']) => events.flatMap((e) => (e.type === type && 'vertex' in e ? [e.vertex.name.replace(/^\[[^\]]*\] /, '')] : []));
  return { id: result.id, events, ran: names('step.done').filter((n) => /^(RUN|COPY|ADD)\b/i.test(n)), cached: names('step.cached') };
}

/** `sh -c script` in a container of `image`: its stdout, or a failure with its output. */
export async function runIn(store: TestStore, image: string, script: string, extra: string[] = []): Promise<string> {
  const r = await store.cli(['run', '--rm', ...extra, image, 'sh', '-c', script]);
  if (r.code !== 0) throw new Error(`run in ${image} failed (${r.code}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

export async function configOf(store: TestStore, ref: string): Promise<Record<string, any>> {
  return (await store.engine.inspectImage(ref)).Config as Record<string, any>;
}

/** The build containers' directories (`<root>/builds/containers/<id>`). */
export function buildContainers(store: TestStore): string[] {
  const dir = path.join(store.root, 'builds', 'containers');
  return fs.readdirSync(dir).flatMap((name) => (/^[0-9a-f]{64}$/.test(name) ? [path.join(dir, name)] : []));
}

/**
 * `berth build ARGS CONTEXT` with the CLI, sent `signal` once its first RUN has printed
 * "started"; resolves when it has exited, with its exit code and stderr.
 */
export async function interruptedBuild(store: TestStore, context: string, signal: NodeJS.Signals, args: string[] = []): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'build', ...args, context], { env: store.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await eventually(async () => /#2 \d+\.\d+ started/.test(stderr), 20_000, 'the RUN to start');
  child.kill(signal);
  return { code: await closed, stderr };
}
