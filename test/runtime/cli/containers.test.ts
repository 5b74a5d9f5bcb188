/**
 * The container verbs on real containers: lifecycle, listings, logs, inspection, copies,
 * commits, prune and events.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CliStore, IMAGE, lines, openCliStore } from './cli-store';

const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'];

describe('container verbs', () => {
  let store: CliStore;
  const berth = (...args: string[]) => store.berth(args);
  const state = async (name: string) => (await berth('inspect', '-f', '{{.State.Status}}', name)).stdout.trim();
  before(async () => {
    store = await openCliStore();
    for (const name of ['one', 'two']) assert.equal((await berth('run', '-d', '--name', name, '-l', `role=${name}`, IMAGE, ...SLEEPER)).code, 0);
  });
  after(async () => store.dispose());

  test('stop -t, start, restart, pause and unpause change the state', async () => {
    assert.equal((await berth('stop', '-t', '5', 'one')).stdout, 'one\n');
    assert.equal(await state('one'), 'exited');
    assert.equal((await berth('wait', 'one')).stdout, '0\n');
    assert.equal((await berth('start', 'one')).stdout, 'one\n');
    assert.equal(await state('one'), 'running');
    assert.equal((await berth('restart', '-t', '1', 'one')).stdout, 'one\n');
    assert.equal((await berth('inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'one')).stdout, '2 running\n');
    assert.equal((await berth('pause', 'one')).stdout, 'one\n');
    assert.equal(await state('one'), 'paused');
    assert.match((await berth('ps', '--filter', 'name=one', '--format', '{{.Status}}')).stdout, /\(Paused\)/);
    assert.equal((await berth('unpause', 'one')).stdout, 'one\n');
    assert.equal(await state('one'), 'running');
  });

  test('kill -s sends the signal; wait prints 128+signal', async () => {
    // --init: a PID 1 without a handler ignores TERM (the kernel protects init), as in docker.
    await berth('run', '-d', '--init', '--name', 'target', IMAGE, 'sleep', '1000');
    assert.equal((await berth('kill', '-s', 'TERM', 'target')).stdout, 'target\n');
    assert.equal((await berth('wait', 'target')).stdout, '143\n');
    const unknown = await berth('kill', 'nosuch');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^berth: Error: No such container: nosuch/);
  });

  test('ps lists with -a, -q, -n, -l, -s, --filter, --format and --no-trunc', async () => {
    const table = lines((await berth('ps')).stdout);
    assert.match(table[0], /^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
    assert.deepEqual(table.slice(1).map((l) => l.split(/ {3,}/).at(-1)).sort(), ['one', 'two']);
    assert.ok(lines((await berth('ps', '-a', '-q')).stdout).length >= 3);
    assert.equal(lines((await berth('ps', '-n', '2', '-q')).stdout).length, 2);
    assert.equal((await berth('ps', '-l', '--format', '{{.Names}}')).stdout, 'target\n');
    assert.match((await berth('ps', '-s', '--filter', 'name=two', '--format', '{{.Size}}')).stdout, /^\d+(\.\d+)?[kMG]?B \(virtual \d+(\.\d+)?[kMG]?B\)\n$/);
    assert.equal((await berth('ps', '--filter', 'label=role=two', '--format', '{{.Names}}')).stdout, 'two\n');
    assert.equal((await berth('ps', '-a', '--filter', 'exited=143', '--format', '{{.Names}}')).stdout, 'target\n');
    assert.match((await berth('ps', '-q', '--no-trunc', '--filter', 'name=two')).stdout, /^[0-9a-f]{64}\n$/);
    assert.equal(JSON.parse((await berth('ps', '--filter', 'name=two', '--format', 'json')).stdout).Names, 'two');
    assert.equal((await berth('container', 'ls', '--filter', 'name=two', '--format', 'table {{.Names}}')).stdout, 'NAMES\ntwo\n');
  });

  test('logs with -t, --tail, --since, --until and -f', async () => {
    await berth('run', '--name', 'talker', IMAGE, 'sh', '-c', 'echo a; echo b >&2; echo c');
    const all = await berth('logs', 'talker');
    assert.equal(all.stdout, 'a\nc\n');
    assert.equal(all.stderr, 'b\n');
    assert.match((await berth('logs', '-t', 'talker')).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z a\n/);
    // The last line is c or b: stdout and stderr reach the log through separate pipes.
    const last = await berth('logs', '--tail', '1', 'talker');
    assert.match(last.stdout + last.stderr, /^[bc]\n$/);
    assert.equal((await berth('logs', '-n', '0', 'talker')).stdout, '');
    assert.equal((await berth('logs', '--since', '1h', 'talker')).stdout, 'a\nc\n');
    assert.equal((await berth('logs', '--until', '1h', 'talker')).stdout, '');
    await berth('run', '-d', '--name', 'ticker', IMAGE, 'sh', '-c', 'for i in 1 2 3; do echo $i; sleep 0.3; done');
    assert.equal((await berth('logs', '-f', 'ticker')).stdout, '1\n2\n3\n');
  });

  test('top, stats and diff', async () => {
    assert.match((await berth('top', 'two')).stdout, /^UID +PID +PPID +TIME +CMD\nroot +\d+ /);
    const stats = await berth('stats', '--no-stream', 'two');
    assert.match(lines(stats.stdout)[0], /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
    assert.match((await berth('stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'two')).stdout, /^two \d+\n$/);
    await berth('exec', 'two', 'sh', '-c', 'echo x > /tmp/new; rm /etc/group');
    const diff = lines((await berth('diff', 'two')).stdout);
    assert.ok(diff.includes('A /tmp/new'), diff.join('\n'));
    assert.ok(diff.includes('D /etc/group'), diff.join('\n'));
  });

  test('inspect: containers and images, --type, --format, -s', async () => {
    const [view] = JSON.parse((await berth('inspect', 'two')).stdout) as { Name: string; Config: { Labels: Record<string, string> } }[];
    assert.equal(view.Name, '/two');
    assert.deepEqual(view.Config.Labels, { role: 'two' });
    assert.match((await berth('inspect', '--type', 'image', '-f', '{{.Id}}', IMAGE)).stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.match((await berth('container', 'inspect', '-s', '-f', '{{.SizeRw}}', 'two')).stdout, /^\d+\n$/);
    const missing = await berth('inspect', 'nosuch');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such object: nosuch/);
  });

  test('cp copies both ways, and through tar streams', async () => {
    const host = path.join(store.env.BERTH_TMP!, 'cp');
    fs.mkdirSync(path.join(host, 'dir'), { recursive: true });
    fs.writeFileSync(path.join(host, 'dir', 'f.txt'), 'from host\n');
    assert.equal((await berth('cp', '-q', path.join(host, 'dir'), 'two:/tmp/copied')).code, 0);
    assert.equal((await berth('exec', 'two', 'cat', '/tmp/copied/f.txt')).stdout, 'from host\n');
    assert.equal((await berth('cp', 'two:/etc/passwd', path.join(host, 'passwd'))).code, 0);
    assert.match(fs.readFileSync(path.join(host, 'passwd'), 'utf8'), /^root:x:0:0/);
    assert.equal((await berth('cp', 'two:/tmp/copied', host)).code, 0);
    assert.equal(fs.readFileSync(path.join(host, 'copied', 'f.txt'), 'utf8'), 'from host\n');
    const piped = await store.sh(`berth cp two:/etc/passwd - | tar -tf -`);
    assert.equal(piped.stdout, 'passwd\n', piped.stderr);
    assert.equal((await store.sh(`tar -C ${JSON.stringify(path.join(host, 'dir'))} -cf - f.txt | berth cp - two:/root`)).code, 0);
    assert.equal((await berth('exec', 'two', 'cat', '/root/f.txt')).stdout, 'from host\n');
    assert.match((await berth('cp', 'two:/nosuch', host)).stderr, /^berth: Error: /);
  });

  test('commit makes an image with --change, -m and -a that runs', async () => {
    await berth('exec', 'two', 'sh', '-c', 'echo committed > /greeting');
    const id = await berth('commit', '-c', 'CMD ["cat", "/greeting"]', '-c', 'ENV WHO=me', '-m', 'a message', '-a', 'Tester', 'two', 'snapshot:1');
    assert.match(id.stdout, /^sha256:[0-9a-f]{64}\n$/, id.stderr);
    assert.equal((await berth('run', '--rm', 'snapshot:1')).stdout, 'committed\n');
    assert.equal((await berth('run', '--rm', 'snapshot:1', 'sh', '-c', 'echo $WHO')).stdout, 'me\n');
    assert.equal((await berth('image', 'inspect', '-f', '{{.Author}}|{{.Comment}}', 'snapshot:1')).stdout, 'Tester|a message\n');
    assert.equal((await berth('rmi', 'snapshot:1')).code, 0);
  });

  test('events prints what happened, filtered and formatted', async () => {
    const out = await berth('events', '--since', '10m', '--until', '0s', '--filter', 'container=talker', '--format', '{{.Type}} {{.Action}}');
    assert.deepEqual(lines(out.stdout).slice(0, 3), ['container create', 'container start', 'container die']);
    const plain = await berth('events', '--since', '10m', '--until', '0s', '--filter', 'event=die');
    assert.match(lines(plain.stdout)[0], /^\d{4}-\d\d-\d\dT[\d:.]+Z container die [0-9a-f]{64} \(name=\w+, exitCode=\d+\)$/);
  });

  test('live events arrive while a container runs', async () => {
    const until = new Date(Date.now() + 5000).toISOString();
    const child = store.berth(['events', '--until', until, '--filter', 'container=live', '--format', '{{.Action}}'], { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 500));
    await berth('run', '--rm', '--name', 'live', IMAGE, 'true');
    const out = await child;
    assert.deepEqual(lines(out.stdout), ['create', 'start', 'die', 'destroy']);
  });

  test('rm refuses a running container without -f, and container prune removes stopped ones', async () => {
    const refused = await berth('rm', 'two');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is running/);
    assert.equal((await berth('rm', '-f', '-v', 'two')).stdout, 'two\n');
    const pruned = await berth('container', 'prune', '-f');
    assert.match(pruned.stdout, /^Deleted Containers:\n[0-9a-f]{64}\n/);
    assert.match(pruned.stdout, /Total reclaimed space: /);
    assert.deepEqual(lines((await berth('ps', '-a', '--format', '{{.Names}}')).stdout), ['one']);
    await berth('stop', 'one');
    const declined = await store.berth(['container', 'prune'], { input: 'n\n' });
    assert.match(declined.stdout, /Are you sure you want to continue\? \[y\/N\] $/);
    assert.equal((await berth('container', 'prune', '-f', '--filter', 'until=1h')).stdout, 'Total reclaimed space: 0B\n');
    assert.deepEqual(lines((await berth('ps', '-a', '--format', '{{.Names}}')).stdout), ['one']);
  });
});
