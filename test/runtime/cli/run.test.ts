/**
 * `berth run`, `create`, `start`, `attach` and `exec` on real containers: streams, ttys,
 * signals and docker's exit statuses.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { CLI, eventually } from '../support';
import { CliStore, IMAGE, lines, openCliStore, run } from './cli-store';

describe('berth run', () => {
  let store: CliStore;
  before(async () => {
    store = await openCliStore();
  });
  after(async () => store.dispose());

  test("attaches the output and exits with the container's status", async () => {
    const out = await store.berth(['run', '--rm', IMAGE, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(out.code, 3);
    assert.equal(out.stdout, 'out\n');
    assert.equal(out.stderr, 'err\n');
  });

  test('passes env, workdir, user, hostname and name', async () => {
    const out = await store.berth(['run', '--name', 'settings', '-e', 'A=1', '-w', '/tmp', '-u', 'nobody', '-h', 'box', IMAGE, 'sh', '-c', 'echo $A $(pwd) $(id -u) $(hostname)']);
    assert.equal(out.stdout, '1 /tmp 65534 box\n', out.stderr);
    assert.equal((await store.berth(['ps', '-a', '--filter', 'name=settings', '--format', '{{.Names}} {{.State}}'])).stdout, 'settings exited\n');
  });

  test('a name belongs to one container at a time, even when several ask at once', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => store.berth(['create', '--name', 'single', IMAGE, 'true'])));
    assert.equal(runs.filter((r) => r.code === 0).length, 1, runs.map((r) => r.stderr).join(''));
    assert.match(runs.find((r) => r.code !== 0)!.stderr, /The container name "single" is already in use/);
    const id = runs.find((r) => r.code === 0)!.stdout.trim();
    assert.equal((await store.berth(['inspect', '--format', '{{.Id}}', 'single'])).stdout.trim(), id, 'found by its name');
    assert.equal((await store.berth(['rm', 'single'])).code, 0);
    const again = await store.berth(['create', '--name', 'single', IMAGE, 'true']);
    assert.equal(again.code, 0, `a removed container's name is free again: ${again.stderr}`);
    await store.berth(['rm', 'single']);
  });

  test('--rm removes the container afterwards', async () => {
    await store.berth(['run', '--rm', '--name', 'gone', IMAGE, 'true']);
    assert.equal((await store.berth(['ps', '-aq', '--filter', 'name=gone'])).stdout, '');
  });

  test('-i feeds stdin to the container', async () => {
    const out = await store.berth(['run', '--rm', '-i', IMAGE, 'tr', 'a-z', 'A-Z'], { input: 'hello\n' });
    assert.equal(out.stdout, 'HELLO\n', out.stderr);
  });

  test('-t gives the container a terminal', async () => {
    const out = await store.berth(['run', '--rm', '-t', IMAGE, 'tty']);
    assert.match(out.stdout, /^\/dev\/pts\/\d+\r\n$/, out.stderr);
  });

  test('-it on a real terminal: raw mode, its size, and the exit status', async () => {
    // `script` gives the CLI a pty of 40x100; `stty` inside reports what the container got.
    const command = `stty rows 40 cols 100; node ${CLI} run --rm -it ${IMAGE} sh -c 'stty size; exit 5'`;
    const out = await run('script', ['-qec', command, '/dev/null'], store.env);
    assert.equal(out.code, 5, out.stdout);
    assert.match(out.stdout, /40 100/);
  });

  test('exits 125 for its own errors, 127 for a missing command, 126 for one that cannot run', async () => {
    const noImage = await store.berth(['run', '--rm', 'nosuch:image']);
    assert.equal(noImage.code, 125);
    assert.match(noImage.stderr, /^berth: Error: /);
    assert.equal((await store.berth(['run', '--bogus', IMAGE])).code, 125);
    const missing = await store.berth(['run', '--rm', IMAGE, 'nosuchcommand']);
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(missing.stderr, /executable file not found/);
    assert.equal((await store.berth(['run', '--rm', IMAGE, '/etc'])).code, 126);
  });

  test('exits 128+signal when the container is killed', async () => {
    const foreground = spawn(process.execPath, [CLI, 'run', '--name', 'victim', IMAGE, 'sleep', '1000'], { env: store.env, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => foreground.on('close', resolve));
    await eventually(async () => (await store.berth(['ps', '-q', '--filter', 'name=victim'])).stdout !== '', 10_000, 'victim running');
    assert.equal((await store.berth(['kill', 'victim'])).stdout, 'victim\n');
    assert.equal(await exited, 137);
    assert.equal((await store.berth(['wait', 'victim'])).stdout, '137\n');
  });

  test('forwards SIGTERM to the container (--sig-proxy) and exits with its status', async () => {
    const script = 'trap "echo caught; exit 9" TERM; echo ready; while :; do sleep 0.1; done';
    const child = spawn(process.execPath, [CLI, 'run', '--rm', IMAGE, 'sh', '-c', script], { env: store.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await eventually(async () => stdout.includes('ready'), 10_000, 'the trap to be set');
    child.kill('SIGTERM');
    assert.equal(await exited, 9);
    assert.equal(stdout, 'ready\ncaught\n');
  });

  test('-d runs in the background and prints the id', async () => {
    const out = await store.berth(['run', '-d', '--name', 'bg', IMAGE, 'sleep', '1000']);
    assert.match(out.stdout, /^[0-9a-f]{64}\n$/);
    assert.equal((await store.berth(['ps', '--no-trunc', '-q', '--filter', 'name=bg'])).stdout, out.stdout);
    await store.berth(['rm', '-f', 'bg']);
  });
});

describe('berth create, start, attach and exec', () => {
  let store: CliStore;
  before(async () => {
    store = await openCliStore();
  });
  after(async () => store.dispose());

  test('create makes a container that start -a runs attached', async () => {
    const created = await store.berth(['create', '--name', 'later', IMAGE, 'sh', '-c', 'echo started; exit 4']);
    assert.match(created.stdout, /^[0-9a-f]{64}\n$/, created.stderr);
    assert.equal((await store.berth(['ps', '-a', '--filter', 'name=later', '--format', '{{.State}}'])).stdout, 'created\n');
    const started = await store.berth(['start', '-a', 'later']);
    assert.equal(started.code, 4);
    assert.equal(started.stdout, 'started\n');
  });

  test('start -ai connects stdin', async () => {
    await store.berth(['create', '-i', '--name', 'reader', IMAGE, 'cat']);
    const out = await store.berth(['start', '-ai', 'reader'], { input: 'piped\n' });
    assert.equal(out.stdout, 'piped\n', out.stderr);
  });

  test('start without -a prints the name and returns', async () => {
    await store.berth(['create', '--name', 'quiet', IMAGE, 'sleep', '1000']);
    assert.equal((await store.berth(['start', 'quiet'])).stdout, 'quiet\n');
    assert.equal((await store.berth(['ps', '--filter', 'name=quiet', '--format', '{{.State}}'])).stdout, 'running\n');
  });

  test('attach follows a running container to its exit', async () => {
    await store.berth(['run', '-d', '--name', 'attachable', IMAGE, 'sh', '-c', 'sleep 1; echo late; exit 6']);
    const out = await store.berth(['attach', 'attachable']);
    assert.equal(out.code, 6);
    assert.match(out.stdout, /late\n$/);
  });

  test('exec runs a command with env, workdir and user, and returns its status', async () => {
    const out = await store.berth(['exec', '-e', 'B=2', '-w', '/etc', '-u', 'nobody', 'quiet', 'sh', '-c', 'echo $B $(pwd) $(id -u); exit 8']);
    assert.equal(out.code, 8);
    assert.equal(out.stdout, '2 /etc 65534\n');
    assert.equal((await store.berth(['exec', 'quiet', 'nosuch'])).code, 127);
  });

  test('exec -i reads stdin and exec -t gives a terminal', async () => {
    assert.equal((await store.berth(['exec', '-i', 'quiet', 'cat'], { input: 'in\n' })).stdout, 'in\n');
    assert.match((await store.berth(['exec', '-t', 'quiet', 'tty'])).stdout, /^\/dev\/pts\/\d+/);
  });

  test('exec -d returns at once and the command runs', async () => {
    const out = await store.berth(['exec', '-d', 'quiet', 'sh', '-c', 'echo done > /tmp/marker']);
    assert.equal(out.code, 0, out.stderr);
    await eventually(async () => (await store.berth(['exec', 'quiet', 'cat', '/tmp/marker'])).stdout === 'done\n', 10_000, 'the detached exec');
  });

  test('exec in a stopped container fails with exit status 1', async () => {
    const out = await store.berth(['exec', 'later', 'true']);
    assert.equal(out.code, 1);
    assert.match(lines(out.stderr)[0], /^berth: Error: .*not running|^berth: Error: .*exited/);
  });
});
