// A VS Code server (the one bundled in code-server, installed by scripts/e2e/setup.sh)
// started for one test run: its own free port on 127.0.0.1, its own temp dir for user
// data, extensions, server data and TMPDIR, and its own process group so that stopping it
// also ends the extension hosts, file watchers and pty hosts it forked (killing only the
// server's pid leaves those behind).
//
// Used by the extension-host runner, the Playwright fixtures and the .vsix smoke test.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root: the nearest folder above this file whose package.json is Berth's. */
export const repoRoot: string = findRepoRoot(__dirname);

export const serverInstallDir: string =
  process.env.BERTH_E2E_SERVER_DIR ?? path.join(repoRoot, '.vscode-test', 'server');

/** VS Code's own folder inside the code-server package (server-main.js, extensions…). */
export const vscodeDir: string = path.join(serverInstallDir, 'node_modules', 'code-server', 'lib', 'vscode');

/** Settings for a quiet, offline workbench (see E2E.md). Tests about trust override them. */
export const defaultSettings: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'remote.autoForwardPorts': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  // The DOM renderer keeps the terminal's text in the page, where tests can read it.
  'terminal.integrated.gpuAcceleration': 'off',
};

export interface ServerOptions {
  /** Merged over defaultSettings into the user settings.json. */
  settings?: Record<string, unknown>;
  /** Use this extensions dir (say, one a .vsix was installed into) instead of an empty one. */
  extensionsDir?: string;
  /** Keep the run dir after stop (also BERTH_E2E_KEEP=1), for reading logs. */
  keep?: boolean;
}

export interface WorkbenchOptions {
  /** Absolute path of the folder to open, if any. */
  folder?: string;
  /** Load this extension folder in development mode. */
  extensionDevelopmentPath?: string;
  /** Run this compiled test module (exports run()) in the extension host. */
  extensionTestsPath?: string;
}

export class VsCodeServer {
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly runDir: string,
    readonly extensionsDir: string,
    private readonly keep: boolean,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /**
   * The Berth store (BERTH_ROOT) of everything this server runs: the extension host and
   * its terminals see it, and a test's own `berth` commands should use it too.
   */
  get berthRoot(): string {
    return berthEnv(this.runDir).BERTH_ROOT;
  }

  /** Runs `berth ARGS…` as the server's extension host would (same store, same logins); returns its stdout, trimmed. */
  berth(...args: string[]): string {
    const env = { ...process.env, ...berthEnv(this.runDir) };
    return execFileSync(path.join(repoRoot, 'bin', 'berth'), args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The server's stdout and stderr, for a failure report. */
  get logFile(): string {
    return path.join(this.runDir, 'server.log');
  }

  /**
   * The log of the extension host that started last (each workbench page gets its own):
   * extension errors, such as a command's exception, land there.
   */
  latestExtensionHostLog(): string | undefined {
    const logs = path.join(this.runDir, 'user-data', 'logs');
    if (!existsSync(logs)) return undefined;
    const files = readdirSync(logs, { recursive: true, encoding: 'utf8' })
      .filter((name) => path.basename(name) === 'remoteexthost.log')
      .map((name) => path.join(logs, name));
    return files.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs).pop();
  }

  static async start(options: ServerOptions = {}): Promise<VsCodeServer> {
    const serverMain = path.join(vscodeDir, 'out', 'server-main.js');
    if (!existsSync(serverMain)) {
      throw new Error(`VS Code server not found at ${serverMain}: run scripts/e2e/setup.sh first`);
    }
    const runDir = mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-'));
    const dirs = { ud: 'user-data', sd: 'server-data', tmp: 'tmp', ext: 'extensions' } as const;
    for (const name of Object.values(dirs)) mkdirSync(path.join(runDir, name), { recursive: true });
    const extensionsDir = options.extensionsDir ?? path.join(runDir, dirs.ext);
    mkdirSync(path.join(runDir, dirs.ud, 'User'), { recursive: true });
    writeFileSync(
      path.join(runDir, dirs.ud, 'User', 'settings.json'),
      JSON.stringify({ ...defaultSettings, ...options.settings }, null, 2),
    );

    // Retry on the (rare) race where another process takes the port between probe and bind.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const log = createWriteStream(path.join(runDir, 'server.log'), { flags: 'a' });
      const child = spawn(
        process.execPath,
        [
          serverMain,
          '--host', '127.0.0.1',
          '--port', String(port),
          '--without-connection-token',
          '--accept-server-license-terms',
          '--enable-smoke-test-driver',
          '--telemetry-level', 'off',
          '--user-data-dir', path.join(runDir, dirs.ud),
          '--server-data-dir', path.join(runDir, dirs.sd),
          '--extensions-dir', extensionsDir,
        ],
        {
          // detached = setsid(): the server leads a new process group that stop() kills whole.
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...serverEnv(path.join(runDir, dirs.tmp)), ...berthEnv(runDir) },
        },
      );
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      const server = new VsCodeServer(child, port, runDir, extensionsDir, options.keep ?? process.env.BERTH_E2E_KEEP === '1');
      try {
        await server.waitForHttp(30_000);
        return server;
      } catch (error) {
        await server.stop({ keep: true });
        if (attempt >= 3) {
          const tail = readFileSync(path.join(runDir, 'server.log'), 'utf8').split('\n').slice(-30).join('\n');
          throw new Error(`VS Code server did not start (${(error as Error).message}); log ${server.logFile}:\n${tail}`);
        }
      }
    }
  }

  /** The workbench URL; the payload's authority must equal the page's host:port. */
  workbenchUrl(options: WorkbenchOptions = {}): string {
    const remote = (p: string) => `vscode-remote://127.0.0.1:${this.port}${path.resolve(p)}`;
    const payload: [string, string][] = [];
    if (options.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)]);
    if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
    const query = new URLSearchParams();
    if (options.folder) query.set('folder', path.resolve(options.folder));
    if (payload.length) query.set('payload', JSON.stringify(payload));
    const search = query.toString();
    return `${this.origin}/${search ? `?${search}` : ''}`;
  }

  /** Ends the whole process group: TERM, then KILL after a grace period. Idempotent. */
  async stop(options: { keep?: boolean } = {}): Promise<void> {
    const pid = this.child.pid;
    if (pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      killGroup(pid, 'SIGTERM');
      const timedOut = await Promise.race([
        this.exited.then(() => false),
        sleep(3_000).then(() => true),
      ]);
      if (timedOut) killGroup(pid, 'SIGKILL');
    }
    // Children that ignored TERM (pty host, watchers) may outlive the leader: KILL the rest.
    if (pid !== undefined) killGroup(pid, 'SIGKILL');
    if (!(options.keep ?? this.keep)) rmSync(this.runDir, { recursive: true, force: true });
  }

  private async waitForHttp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (Date.now() < deadline) {
      if (exited) throw new Error(`server exited with ${this.child.exitCode ?? this.child.signalCode}`);
      if (await answers(`${this.origin}/version`)) return;
      await sleep(100);
    }
    throw new Error(`no HTTP answer on ${this.origin} within ${timeoutMs} ms`);
  }
}

/**
 * Installs a .vsix into an extensions dir with the server's own CLI (server-main.js
 * --install-extension; the package's bin/code-server-oss wrapper expects a bundled node).
 */
export function installVsix(vsix: string, extensionsDir: string): void {
  mkdirSync(extensionsDir, { recursive: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-install-'));
  try {
    const result = spawnSync(
      process.execPath,
      [
        path.join(vscodeDir, 'out', 'server-main.js'),
        '--accept-server-license-terms',
        '--user-data-dir', path.join(tmp, 'user-data'),
        '--server-data-dir', path.join(tmp, 'server-data'),
        '--extensions-dir', extensionsDir,
        '--install-extension', path.resolve(vsix),
        '--force',
      ],
      { encoding: 'utf8', timeout: 120_000, env: serverEnv(tmp) },
    );
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    if (result.status !== 0 || !/successfully installed/i.test(output)) {
      throw new Error(`installing ${vsix} failed (exit ${result.status}):\n${output}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'berth') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Berth package.json above ${start}`);
  }
}

// When the tests run from a VS Code terminal its VSCODE_* variables (IPC hooks, a CLI
// flag) would make the server act as that window's helper instead of a server.
function serverEnv(tmpdir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VSCODE_') && key !== 'ELECTRON_RUN_AS_NODE') env[key] = value;
  }
  env.TMPDIR = tmpdir;
  return env;
}

// Never the machine's own store (/var/lib/berth as root), helper socket or registry logins
// (~/.docker/config.json): the Registries view lists those, and its tests log in and out.
function berthEnv(runDir: string): { BERTH_ROOT: string; BERTH_RUNTIME_DIR: string; DOCKER_CONFIG: string } {
  return { BERTH_ROOT: path.join(runDir, 'berth', 'root'), BERTH_RUNTIME_DIR: path.join(runDir, 'berth', 'run'), DOCKER_CONFIG: path.join(runDir, 'docker-config') };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 1_000 }, (response) => {
      response.resume();
      resolve(true);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
