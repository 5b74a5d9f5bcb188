/**
 * A stand-in for the Engine's CLI role: containers and images held in memory, every call
 * recorded, and `runBerth` to run a whole command line against it and read what it printed.
 */
import { PassThrough, Readable } from 'node:stream';
import { ContainerSummary, LogEntry } from '../../../src/runtime/container/container';
import { BerthError } from '../../../src/runtime/errors';
import { RuntimeEvent } from '../../../src/runtime/events';
import { runCli } from '../../../src/runtime/cli/cli';
import { CliEngine, ImageApi, ImageSummary } from '../../../src/runtime/cli/engine-port';

export const NOW = new Date('2026-11-23T16:00:00Z');

export interface FakeEngine extends CliEngine {
  calls: [string, ...unknown[]][];
  containers: ContainerSummary[];
  images: ImageSummary[];
  logEntries: LogEntry[];
  eventLog: RuntimeEvent[];
  /** What a foreground start/attach/exec resolves with, or throws. */
  exitCode: number | Error;
}

export function summary(id: string, name: string, overrides: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    id,
    name,
    image: 'busybox:latest',
    imageId: 'sha256:' + 'b'.repeat(64),
    command: 'sh -c "sleep 1000"',
    created: '2026-11-23T15:57:00Z',
    status: 'running',
    statusText: 'Up 3 minutes',
    labels: {},
    ...overrides,
  };
}

const notFound = (ref: string) => new BerthError('not-found', `No such container: ${ref}`);

export function fakeEngine(partial: Partial<FakeEngine> = {}): FakeEngine {
  const engine: FakeEngine = {
    calls: [],
    containers: [],
    images: [],
    logEntries: [],
    eventLog: [],
    exitCode: 0,
    ...partial,
  } as FakeEngine;
  const record = (name: string, ...args: unknown[]) => engine.calls.push([name, ...args]);
  const find = (ref: string) => {
    const c = engine.containers.find((x) => x.id.startsWith(ref) || x.name === ref);
    if (!c) throw notFound(ref);
    return c;
  };
  const exited = async () => {
    if (engine.exitCode instanceof Error) throw engine.exitCode;
    return engine.exitCode;
  };
  const methods: Partial<CliEngine> = {
    async createContainer(options) {
      record('createContainer', options);
      const c = summary('c'.repeat(64), options.name ?? 'brave_turing', { status: 'created' });
      engine.containers.push(c);
      return { config: { id: c.id, name: c.name } } as never;
    },
    async runContainer(options) {
      record('runContainer', options);
      const c = summary('c'.repeat(64), options.name ?? 'brave_turing');
      engine.containers.push(c);
      return { id: c.id };
    },
    async startContainer(ref, options = {}) {
      record('startContainer', ref, options.attach !== undefined);
      find(ref);
      return options.attach ? exited() : undefined;
    },
    async attachContainer(ref) {
      record('attachContainer', ref);
      return exited();
    },
    async exec(ref, options) {
      record('exec', ref, options);
      find(ref);
      return exited();
    },
    async stopContainer(ref, options) {
      record('stopContainer', ref, options);
      find(ref);
    },
    async killContainer(ref, signal) {
      record('killContainer', ref, signal);
      find(ref);
    },
    async restartContainer(ref, options) {
      record('restartContainer', ref, options);
      find(ref);
    },
    async pauseContainer(ref) {
      record('pauseContainer', ref);
      find(ref);
    },
    async unpauseContainer(ref) {
      record('unpauseContainer', ref);
      find(ref);
    },
    async removeContainer(ref, options) {
      record('removeContainer', ref, options);
      const c = find(ref);
      engine.containers = engine.containers.filter((x) => x !== c);
      return c.id;
    },
    async listContainers(options = {}) {
      record('listContainers', options);
      return engine.containers.filter((c) => options.all || c.status === 'running');
    },
    async inspectContainer(ref) {
      const c = find(ref);
      return { Id: c.id, Name: `/${c.name}`, Config: { Tty: false, OpenStdin: false } };
    },
    logs(ref, options) {
      record('logs', ref, options);
      find(ref);
      return Readable.from(engine.logEntries);
    },
    async waitContainer(ref) {
      find(ref);
      return 3;
    },
    async top(ref) {
      find(ref);
      return [{ pid: 4242, ppid: 4200, user: 'root', time: '00:00:00', command: 'sleep 1000' }];
    },
    async stats(ref) {
      const c = find(ref);
      return { id: c.id, name: c.name, cpuPercent: 1.5, memoryUsage: 1536 * 1024, memoryLimit: 64 * 1024 * 1024, pids: 2, source: 'cgroup' };
    },
    async diffContainer(ref) {
      find(ref);
      return [
        { kind: 'C', path: '/etc' },
        { kind: 'A', path: '/etc/motd' },
      ];
    },
    async *streamEvents(options) {
      record('streamEvents', options);
      yield* engine.eventLog;
    },
    async info() {
      return { version: '0.1.0', storeRoot: '/store', storeSize: 4_200_000, rootless: true, cgroups: { mode: 'v2', limits: ['memory', 'pids'] } };
    },
    version() {
      return { version: '0.1.0', node: 'v20.0.0', os: 'linux', arch: 'x64' };
    },
  };
  const images: Partial<ImageApi> = {
    async listImages(options) {
      record('listImages', options);
      return engine.images;
    },
    async inspectImage(ref) {
      const image = engine.images.find((i) => i.repoTags.includes(ref) || i.id === ref);
      if (!image) throw new BerthError('not-found', `No such image: ${ref}`);
      return { Id: image.id, RepoTags: image.repoTags };
    },
    async tagImage(source, target) {
      record('tagImage', source, target);
    },
    async removeImages(refs, options) {
      record('removeImages', refs, options);
      return { untagged: refs, deleted: ['sha256:' + 'b'.repeat(64)] };
    },
    async pruneImages(options) {
      record('pruneImages', options);
      return { deleted: ['sha256:' + 'd'.repeat(64)], reclaimed: 2_000_000 };
    },
    async loadImages(source) {
      record('loadImages', typeof source === 'string' ? source : 'stream');
      return ['busybox:latest', 'sha256:' + 'e'.repeat(64)];
    },
    async importImage(source, reference, options) {
      record('importImage', typeof source === 'string' ? source : 'stream', reference, options);
      return 'sha256:' + 'f'.repeat(64);
    },
    async commitContainer(ref, options) {
      record('commitContainer', ref, options);
      return 'sha256:' + 'a'.repeat(64);
    },
    async containerSize() {
      return { rw: 1000, rootFs: 4_260_000 };
    },
  };
  return Object.assign(engine, methods, images, partial);
}

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `berth ARGV` against `engine`; stdin gives `input`. */
export async function runBerth(argv: string[], engine: CliEngine, options: { input?: string; stdinIsTTY?: boolean; stdoutIsTTY?: boolean } = {}): Promise<Outcome> {
  const stdout = collect(options.stdoutIsTTY);
  const stderr = collect(false);
  const stdin = Object.assign(Readable.from([Buffer.from(options.input ?? '')]), { isTTY: options.stdinIsTTY });
  const code = await runCli(argv, { stdin, stdout: stdout.stream, stderr: stderr.stream, env: {}, now: () => NOW, openEngine: async () => engine });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function collect(isTTY: boolean | undefined): { stream: PassThrough & { isTTY?: boolean }; text(): string } {
  const stream = Object.assign(new PassThrough(), { isTTY });
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}
