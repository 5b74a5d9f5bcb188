/**
 * What the helper suites share: a busybox rootfs from Debian's busybox-static, bundles
 * written by the real spec builder (overlay root over that rootfs, the current user's id
 * mappings), a helper client on a private runtime dir, and small waiting aids.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { after, before } from 'node:test';
import { ContainerConfig } from '../../../src/runtime/container/container';
import { HelperClient } from '../../../src/runtime/container/helper-client';
import { OciSpec } from '../../../src/runtime/container/oci-spec';
import { buildSpec, ResolvedUser } from '../../../src/runtime/container/spec-builder';
import { ExitRecord } from '../../../src/runtime/container/state-store';
import { currentIdMap } from '../../../src/runtime/idmap';

export const BUSYBOX = '/bin/busybox';
export const isRoot = process.getuid?.() === 0;
export const idMap = currentIdMap();

/** A busybox tree: the binary, one symlink per applet, passwd/group, a 1777 /tmp. */
export function makeBusyboxRootfs(dir: string): void {
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'mnt']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  fs.copyFileSync(BUSYBOX, path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  for (const applet of execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    const target = path.join(dir, applet);
    if (fs.existsSync(target)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync('/bin/busybox', target);
  }
  fs.writeFileSync(path.join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(dir, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
}

let sharedLower: string | undefined;

/** One read-only lower tree per test process. */
export function busyboxLower(): string {
  if (!sharedLower) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-helper-lower-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    makeBusyboxRootfs(dir);
    sharedLower = dir;
  }
  return sharedLower;
}

export function newId(): string {
  return randomBytes(32).toString('hex');
}

export interface TestContainer {
  id: string;
  dir: string;
  bundle: string;
  spec: OciSpec;
  events: string;
  /** The container's ctr.log lines as `stream text`, in order. */
  log(): string[];
  exit(): ExitRecord | undefined;
}

/** Writes a bundle for `config` over an overlay of the busybox tree, as the engine would. */
export function makeContainer(base: string, config: Partial<ContainerConfig> & { cmd: string[] }, options: { cgroupsPath?: string; user?: ResolvedUser; terminalSize?: { rows: number; cols: number } } = {}): TestContainer {
  const id = newId();
  const dir = path.join(base, id.slice(0, 12));
  const bundle = path.join(dir, 'bundle');
  for (const d of ['bundle', 'etc', 'upper', 'work', 'rootfs']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const etcFiles = { hostname: path.join(dir, 'etc', 'hostname'), hosts: path.join(dir, 'etc', 'hosts'), resolvConf: path.join(dir, 'etc', 'resolv.conf') };
  fs.writeFileSync(etcFiles.hostname, 'testbox\n');
  fs.writeFileSync(etcFiles.hosts, '127.0.0.1\tlocalhost\n');
  fs.writeFileSync(etcFiles.resolvConf, '');
  const overlayOptions = [`lowerdir=${busyboxLower()}`, `upperdir=${path.join(dir, 'upper')}`, `workdir=${path.join(dir, 'work')}`];
  if (idMap.uidMappings.length > 0) overlayOptions.push('userxattr');
  const full: ContainerConfig = {
    id,
    name: `helper-test-${id.slice(0, 6)}`,
    image: 'busybox:test',
    imageId: 'sha256:' + '0'.repeat(64),
    created: new Date().toISOString(),
    hostname: 'testbox',
    entrypoint: [],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    labels: {},
    mounts: [],
    capAdd: [],
    capDrop: [],
    workingDir: '/',
    user: '',
    tty: false,
    openStdin: false,
    resources: {},
    privileged: false,
    readOnly: false,
    network: 'none',
    init: false,
    noNewPrivileges: false,
    ulimits: [],
    autoRemove: false,
    stopSignal: 'SIGTERM',
    stopTimeout: 10,
    snapshotter: 'overlay',
    ...config,
  };
  const spec = buildSpec({
    config: full,
    user: options.user ?? { uid: 0, gid: 0, additionalGids: [], home: '/root' },
    ...idMap,
    rootfsPath: path.join(dir, 'rootfs'),
    rootfsMount: { destination: '/', type: 'overlay', source: 'overlay', options: overlayOptions },
    etcFiles,
    cgroupsPath: options.cgroupsPath,
    terminalSize: options.terminalSize,
  });
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  const events = path.join(dir, 'events.jsonl');
  return {
    id,
    dir,
    bundle,
    spec,
    events,
    log: () =>
      fs
        .readFileSync(path.join(dir, 'ctr.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [, stream, , ...text] = line.split(' ');
          return `${stream} ${text.join(' ')}`;
        }),
    exit: () => {
      try {
        return JSON.parse(fs.readFileSync(path.join(dir, 'exit.json'), 'utf8')) as ExitRecord;
      } catch {
        return undefined;
      }
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(check: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A writable that keeps what it is given. */
export class Collector extends Writable {
  chunks: Buffer[] = [];
  _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk);
    callback();
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

/** Per suite: a private runtime dir and a client that starts its own daemon there. */
export function useHelper(): { client: HelperClient; base: string } {
  const context = {} as { client: HelperClient; base: string; runtimeDir: string };
  before(async () => {
    context.base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-helper-test-'));
    context.runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-helper-run-'));
    context.client = await HelperClient.connect({ runtimeDir: context.runtimeDir });
  });
  after(async () => {
    // The tree holds subordinate-id files when rootless: the daemon removes it, then leaves.
    await context.client.rmtree({ path: context.base, ...idMap });
    await context.client.shutdown();
    fs.rmSync(context.runtimeDir, { recursive: true, force: true });
  });
  return context;
}

/** Runs a container to its end (waitAttach, so no output is lost); returns its exit code. */
export async function runToEnd(client: HelperClient, c: TestContainer, streams: { stdin?: NodeJS.ReadableStream; tty?: { rows: number; cols: number } } = {}): Promise<{ code: number; stdout: string; stderr: string; warnings: string[] }> {
  const tty = c.spec.process.terminal ?? false;
  const started = await client.run({ id: c.id, bundle: c.bundle, state: c.dir, tty, stdin: streams.stdin !== undefined, waitAttach: true, events: c.events });
  const stdout = new Collector();
  const stderr = new Collector();
  const attachment = await client.attach(path.join(c.dir, 'attach.sock'), { stdout, stderr, stdin: streams.stdin, tty: streams.tty });
  const code = await attachment.exited;
  return { code, stdout: stdout.text, stderr: stderr.text, warnings: started.warnings };
}
