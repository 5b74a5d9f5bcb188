import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { eventFilter, parseTail } from '../../../../src/runtime/cli/commands/observe';
import { RuntimeEvent } from '../../../../src/runtime/events';
import { fakeEngine, runBerth, summary } from '../fake-engine';

const ID = 'a'.repeat(64);
const web = () => [summary(ID, 'web')];

describe('logs', () => {
  it('writes each stream to its own and prefixes timestamps with -t', async () => {
    const engine = fakeEngine({
      containers: web(),
      logEntries: [
        { time: '2026-11-23T16:00:00.123456789Z', stream: 'stdout', text: 'out\n' },
        { time: '2026-11-23T16:00:01Z', stream: 'stderr', text: 'err\n' },
      ],
    });
    const out = await runBerth(['logs', '-t', 'web'], engine);
    assert.equal(out.stdout, '2026-11-23T16:00:00.123456789Z out\n');
    assert.equal(out.stderr, '2026-11-23T16:00:01.000000000Z err\n');
  });

  it('turns --since, --until, --tail and -f into log options', async () => {
    const engine = fakeEngine({ containers: web() });
    await runBerth(['logs', '-f', '--since', '10m', '--until', '2026-11-23T15:55:00Z', '-n', '5', 'web'], engine);
    assert.deepEqual(engine.calls[0], ['logs', 'web', { follow: true, since: new Date('2026-11-23T15:50:00Z'), until: new Date('2026-11-23T15:55:00Z'), tail: 5 }]);
  });

  it("reads --tail like docker: all, a count, negative is all", () => {
    assert.equal(parseTail('all'), undefined);
    assert.equal(parseTail('-1'), undefined);
    assert.equal(parseTail('0'), 0);
    assert.throws(() => parseTail('ten'), /invalid value for --tail/);
  });
});

describe('top, stats and diff', () => {
  it('top prints a process table', async () => {
    const out = await runBerth(['top', 'web'], fakeEngine({ containers: web() }));
    assert.equal(out.stdout, 'UID       PID       PPID      TIME       CMD\nroot      4242      4200      00:00:00   sleep 1000\n');
  });

  it('stats --no-stream prints one table of running containers', async () => {
    const out = await runBerth(['stats', '--no-stream'], fakeEngine({ containers: web() }));
    assert.equal(
      out.stdout,
      'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   PIDS\n' +
        'aaaaaaaaaaaa   web       1.50%     1.5MiB / 64MiB      2.34%     --        --          2\n',
    );
  });

  it('stats --format takes templates and shows dashes for a stopped container', async () => {
    const engine = fakeEngine({ containers: web() });
    engine.stats = async () => {
      throw new Error('not running');
    };
    const out = await runBerth(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}}', 'web'], engine);
    assert.equal(out.stdout, 'web -- -- / --\n');
  });

  it('diff prints kind and path', async () => {
    assert.equal((await runBerth(['diff', 'web'], fakeEngine({ containers: web() }))).stdout, 'C /etc\nA /etc/motd\n');
  });
});

const EVENTS: RuntimeEvent[] = [
  { type: 'container.start', id: ID, name: 'web', time: '2026-11-23T16:00:00.5Z' },
  { type: 'container.die', id: ID, name: 'web', exitCode: 0, time: '2026-11-23T16:00:01Z' },
  { type: 'image.tag', id: 'sha256:' + 'b'.repeat(64), name: 'busybox:1', time: '2026-11-23T16:00:02Z' },
];

describe('events', () => {
  it("prints docker's event lines", async () => {
    const out = await runBerth(['events', '--since', '1h', '--until', '0s'], fakeEngine({ eventLog: EVENTS }));
    assert.equal(
      out.stdout,
      `2026-11-23T16:00:00.500000000Z container start ${ID} (name=web)\n` +
        `2026-11-23T16:00:01.000000000Z container die ${ID} (name=web, exitCode=0)\n` +
        `2026-11-23T16:00:02.000000000Z image tag sha256:${'b'.repeat(64)} (name=busybox:1)\n`,
    );
  });

  it('filters by type, event and actor, and formats with templates or JSON', async () => {
    const out = await runBerth(['events', '--filter', 'type=container', '--filter', 'event=die', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.exitCode}}'], fakeEngine({ eventLog: EVENTS }));
    assert.equal(out.stdout, 'container die 0\n');
    const json = await runBerth(['events', '-f', 'image=busybox:1', '--format', 'json'], fakeEngine({ eventLog: EVENTS }));
    assert.equal(JSON.parse(json.stdout).timeNano, '1795449602000000000');
  });

  it('refuses unknown filters', () => {
    assert.throws(() => eventFilter(['colour=red']), /invalid filter/);
    assert.equal(eventFilter(['container=web'])(EVENTS[2]), false);
  });
});

describe('info and version', () => {
  it('describe what the engine reports, and take --format', async () => {
    const info = await runBerth(['info'], fakeEngine());
    assert.equal(info.stdout, 'Version: 0.1.0\nStore Root: /store\nStore Size: 4.2MB\nRootless: true\nCgroups:\n Mode: v2\n Limits: memory, pids\n');
    assert.equal((await runBerth(['info', '--format', '{{.storeRoot}}'], fakeEngine())).stdout, '/store\n');
    assert.equal((await runBerth(['version', '--format', '{{.Client.Version}}'], fakeEngine())).stdout, '0.1.0\n');
    assert.match((await runBerth(['version'], fakeEngine())).stdout, /^Client:\n Version: 0.1.0\n Node Version: v20.0.0\n/);
  });
});
