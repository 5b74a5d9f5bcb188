import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { BerthError } from '../../../../src/runtime/errors';
import { fakeEngine, runBerth, summary } from '../fake-engine';

const ID = 'c'.repeat(64);

describe('run', () => {
  it('with -d creates, starts in the background and prints the id', async () => {
    const engine = fakeEngine();
    const out = await runBerth(['run', '-d', '--name', 'web', 'busybox', 'sleep', '1000'], engine);
    assert.equal(out.stdout, `${ID}\n`);
    assert.deepEqual(engine.calls, [['runContainer', { image: 'busybox', cmd: ['sleep', '1000'], name: 'web', detach: true }]]);
  });

  it("in the foreground attaches and exits with the container's status", async () => {
    const engine = fakeEngine({ exitCode: 7 });
    const out = await runBerth(['run', 'busybox', 'sh', '-c', 'exit 7'], engine);
    assert.equal(out.code, 7);
    assert.deepEqual(engine.calls[1], ['startContainer', ID, true]);
  });

  it('removes the container afterwards with --rm', async () => {
    const engine = fakeEngine({ exitCode: 0 });
    await runBerth(['run', '--rm', 'busybox', 'true'], engine);
    assert.deepEqual(engine.calls.at(-1), ['removeContainer', ID, { force: false }]);
    assert.equal(engine.containers.length, 0);
  });

  it('exits 127 or 126 when the command cannot be executed, and still honours --rm', async () => {
    const engine = fakeEngine({ exitCode: new BerthError('internal', 'exec "nosuch": executable file not found in $PATH') });
    const out = await runBerth(['run', '--rm', 'busybox', 'nosuch'], engine);
    assert.equal(out.code, 127);
    assert.equal(out.stderr, 'berth: Error: exec "nosuch": executable file not found in $PATH\n');
    assert.equal(engine.containers.length, 0);
    const denied = await runBerth(['run', 'busybox', '/etc'], fakeEngine({ exitCode: new BerthError('internal', 'exec "/etc": Permission denied') }));
    assert.equal(denied.code, 126);
  });

  it('refuses -it when stdin is not a terminal, with exit status 125', async () => {
    const out = await runBerth(['run', '-it', 'busybox', 'sh'], fakeEngine());
    assert.equal(out.code, 125);
    assert.match(out.stderr, /The input device is not a TTY/);
  });

  it("passes the container's flags through (run's -h is the hostname)", async () => {
    const engine = fakeEngine();
    await runBerth(['run', '-d', '-h', 'box', '-e', 'A=1', '-m', '1m', 'busybox'], engine);
    assert.deepEqual(engine.calls[0][1], { image: 'busybox', hostname: 'box', env: ['A=1'], resources: { memory: 1048576 }, detach: true });
  });
});

describe('create, start and attach', () => {
  it('create prints the id and keeps --rm', async () => {
    const engine = fakeEngine();
    const out = await runBerth(['create', '--rm', 'busybox'], engine);
    assert.equal(out.stdout, `${ID}\n`);
    assert.deepEqual(engine.calls[0][1], { image: 'busybox', autoRemove: true });
  });

  it('start prints each name; start -a attaches and returns the exit code', async () => {
    const engine = fakeEngine({ containers: [summary(ID, 'web', { status: 'created' })], exitCode: 4 });
    assert.equal((await runBerth(['start', 'web'], engine)).stdout, 'web\n');
    const attached = await runBerth(['start', '-a', 'web'], engine);
    assert.equal(attached.code, 4);
    assert.equal(attached.stdout, '');
    assert.match((await runBerth(['start', '-a', 'web', 'web'], engine)).stderr, /cannot start and attach multiple containers/);
  });

  it('attach returns the exit code', async () => {
    const out = await runBerth(['attach', 'web'], fakeEngine({ containers: [summary(ID, 'web')], exitCode: 2 }));
    assert.equal(out.code, 2);
  });
});

describe('exec', () => {
  it("passes the command and options and exits with the command's status", async () => {
    const engine = fakeEngine({ containers: [summary(ID, 'web')], exitCode: 5 });
    const out = await runBerth(['exec', '-e', 'A=1', '-w', '/tmp', '-u', 'nobody', 'web', 'ls', '-l'], engine);
    assert.equal(out.code, 5);
    assert.deepEqual(engine.calls[0], ['exec', 'web', { cmd: ['ls', '-l'], tty: false, openStdin: false, env: ['A=1'], workingDir: '/tmp', user: 'nobody' }]);
  });

  it('refuses -it without a terminal', async () => {
    const out = await runBerth(['exec', '-it', 'web', 'sh'], fakeEngine({ containers: [summary(ID, 'web')] }));
    assert.equal(out.code, 1);
    assert.match(out.stderr, /not a TTY/);
  });
});
