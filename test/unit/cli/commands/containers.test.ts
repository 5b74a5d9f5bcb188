import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { normaliseSignal } from '../../../../src/runtime/cli/commands/containers';
import { fakeEngine, runBerth, summary } from '../fake-engine';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('one-shot container verbs', () => {
  it('act on each container in turn, print each name, and exit 1 if any failed', async () => {
    const engine = fakeEngine({ containers: [summary(A, 'web'), summary(B, 'db')] });
    const out = await runBerth(['stop', '-t', '3', 'web', 'ghost', 'db'], engine);
    assert.equal(out.stdout, 'web\ndb\n');
    assert.equal(out.stderr, 'berth: Error: No such container: ghost\n');
    assert.equal(out.code, 1);
    assert.deepEqual(engine.calls.filter(([m]) => m === 'stopContainer'), [
      ['stopContainer', 'web', { timeout: 3 }],
      ['stopContainer', 'ghost', { timeout: 3 }],
      ['stopContainer', 'db', { timeout: 3 }],
    ]);
  });

  it('pass each verb its options', async () => {
    const engine = fakeEngine({ containers: [summary(A, 'web')] });
    for (const argv of [['restart', '--time=1', 'web'], ['kill', '-s', 'hup', 'web'], ['pause', 'web'], ['unpause', 'web'], ['rm', '-fv', 'web']]) {
      assert.equal((await runBerth(argv, engine)).code, 0, argv.join(' '));
    }
    assert.deepEqual(engine.calls, [
      ['restartContainer', 'web', { timeout: 1 }],
      ['killContainer', 'web', 'SIGHUP'],
      ['pauseContainer', 'web'],
      ['unpauseContainer', 'web'],
      ['removeContainer', 'web', { force: true }],
    ]);
  });

  it('wait prints exit codes', async () => {
    const out = await runBerth(['wait', 'web'], fakeEngine({ containers: [summary(A, 'web')] }));
    assert.equal(out.stdout, '3\n');
  });

  it('reads signals in every spelling docker accepts', () => {
    assert.equal(normaliseSignal('KILL'), 'SIGKILL');
    assert.equal(normaliseSignal('sigterm'), 'SIGTERM');
    assert.equal(normaliseSignal('9'), '9');
  });
});

describe('ps', () => {
  const engine = () =>
    fakeEngine({
      containers: [
        summary(A, 'web', { labels: { tier: 'front' } }),
        summary(B, 'old', { status: 'exited', statusText: 'Exited (0) 2 hours ago', exitCode: 0, created: '2026-11-23T13:00:00Z' }),
      ],
    });

  it("prints docker's table of running containers", async () => {
    const out = await runBerth(['ps'], engine());
    assert.equal(
      out.stdout,
      'CONTAINER ID   IMAGE            COMMAND                  CREATED         STATUS         PORTS     NAMES\n' +
        'aaaaaaaaaaaa   busybox:latest   "sh -c \\"sleep 1000\\""   3 minutes ago   Up 3 minutes             web\n',
    );
  });

  it('shows all with -a, ids with -q, the last n with -n, full ids with --no-trunc', async () => {
    assert.equal((await runBerth(['ps', '-aq'], engine())).stdout, 'aaaaaaaaaaaa\nbbbbbbbbbbbb\n');
    assert.equal((await runBerth(['ps', '-q', '-n', '1'], engine())).stdout, 'aaaaaaaaaaaa\n');
    assert.equal((await runBerth(['ps', '-ql'], engine())).stdout, 'aaaaaaaaaaaa\n');
    assert.equal((await runBerth(['ps', '-q', '--no-trunc'], engine())).stdout, `${A}\n`);
  });

  it('passes filters to the engine', async () => {
    const e = engine();
    await runBerth(['ps', '--filter', 'status=exited', '-f', 'name=old'], e);
    assert.deepEqual(e.calls[0], ['listContainers', { all: false, filters: ['status=exited', 'name=old'] }]);
  });

  it('prints JSON lines and Go templates, with table headers', async () => {
    const json = (await runBerth(['ps', '--format', 'json'], engine())).stdout;
    assert.equal(JSON.parse(json).Names, 'web');
    assert.equal((await runBerth(['ps', '-a', '--format', '{{.Names}}:{{.State}}'], engine())).stdout, 'web:running\nold:exited\n');
    assert.equal((await runBerth(['ps', '--format', 'table {{.ID}}\\t{{.Labels}}'], engine())).stdout, 'CONTAINER ID   LABELS\naaaaaaaaaaaa   tier=front\n');
  });

  it('adds sizes with -s', async () => {
    const out = await runBerth(['ps', '-s', '--format', '{{.Size}}'], engine());
    assert.equal(out.stdout, '1kB (virtual 4.26MB)\n');
  });
});

describe('container prune', () => {
  it('asks first, and does nothing on no', async () => {
    const engine = fakeEngine({ containers: [summary(B, 'old', { status: 'exited' })] });
    const out = await runBerth(['container', 'prune'], engine, { input: 'n\n' });
    assert.match(out.stdout, /WARNING! This will remove all stopped containers.\nAre you sure you want to continue\? \[y\/N\] $/);
    assert.equal(engine.containers.length, 1);
  });

  it('removes stopped containers on yes or -f, and reports the space', async () => {
    const engine = fakeEngine({ containers: [summary(A, 'web'), summary(B, 'old', { status: 'exited' })] });
    const out = await runBerth(['container', 'prune'], engine, { input: 'y\n' });
    assert.match(out.stdout, new RegExp(`Deleted Containers:\n${B}\n\nTotal reclaimed space: 1kB\n$`));
    assert.deepEqual(engine.containers.map((c) => c.name), ['web']);
  });

  it('keeps containers created after until=', async () => {
    const engine = fakeEngine({ containers: [summary(B, 'recent', { status: 'exited', created: '2026-11-23T15:59:00Z' })] });
    const out = await runBerth(['container', 'prune', '-f', '--filter', 'until=10m'], engine);
    assert.equal(out.stdout, 'Total reclaimed space: 0B\n');
    assert.equal(engine.containers.length, 1);
  });
});
