/**
 * The helper running real containers: isolation, the process's view, I/O, the end.
 * Runs as root and rootless (scripts/run-rootless.sh); limits need root on cgroup v1.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { HelperClient, HelperError } from '../../../src/runtime/container/helper-client';
import { RuntimeEvent } from '../../../src/runtime/events';
import { detectCgroupSupport } from '../../../src/runtime/host';
import { Collector, makeContainer, runToEnd, useHelper, waitFor } from './fixtures';

const limits = detectCgroupSupport().limits;

describe('berth-helper run', () => {
  const h = useHelper();


  it('runs the process as PID 1 of its own namespaces, with its hostname', async () => {
    const c = makeContainer(h.base, { cmd: ['sh', '-c', 'echo pid=$$; hostname; ls -d /proc/[0-9]* | wc -l; echo oops >&2; exit 3'] });
    const r = await runToEnd(h.client, c);
    assert.equal(r.code, 3);
    const [pid, hostname, processes] = r.stdout.trim().split('\n');
    assert.equal(pid, 'pid=1');
    assert.equal(hostname, 'testbox');
    assert.ok(Number(processes) <= 3, `host processes are visible: ${processes} entries in /proc`);
    assert.equal(r.stderr, 'oops\n');
  });

  it('writes the log in CRI format, exit.json and a container.die event', async () => {
    const long = 'x'.repeat(70_000);
    const c = makeContainer(h.base, { cmd: ['sh', '-c', `echo one; echo two >&2; printf ${long}; echo; printf tail`] });
    await runToEnd(h.client, c);
    const log = c.log();
    // stdout and stderr are separate pipes: their order relative to each other is not kept.
    assert.equal(log.find((l) => l.startsWith('stdout ')), 'stdout one');
    assert.deepEqual(log.filter((l) => l.startsWith('stderr ')), ['stderr two']);
    const raw = fs.readFileSync(path.join(c.dir, 'ctr.log'), 'utf8');
    assert.match(raw, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F one$/m);
    assert.match(raw, / stdout P tail$/m, 'a last line without newline is partial');
    const joined = raw.split('\n').filter((l) => l.includes(' stdout ') && /x{100}/.test(l)).map((l) => l.split(' ').slice(3).join(' ')).join('');
    assert.ok(joined === long, 'partial records join back into the long line');
    const exit = c.exit()!;
    assert.equal(exit.exitCode, 0);
    assert.equal(exit.oomKilled, false);
    assert.ok(!Number.isNaN(Date.parse(exit.finishedAt)));
    const events = fs.readFileSync(c.events, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RuntimeEvent);
    assert.deepEqual(events.map((e) => [e.type, e.id, e.exitCode, e.name]), [['container.die', c.id, 0, c.spec.annotations!['berth.container.name']]]);
  });

  it('refuses mount, reboot and writes to /proc/sys', async () => {
    const c = makeContainer(h.base, { cmd: ['sh', '-c', 'mount -t tmpfs t /mnt && echo mounted; reboot -f && echo rebooted; echo 1 > /proc/sys/kernel/panic && echo wrote; echo done'] });
    const r = await runToEnd(h.client, c);
    assert.equal(r.stdout, 'done\n');
    assert.match(r.stderr, /mount/);
    assert.match(r.stderr, /Read-only file system/);
  });

  it('drops the capabilities the spec leaves out', async () => {
    const c = makeContainer(h.base, { capDrop: ['ALL'], cmd: ['sh', '-c', 'grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status; touch /tmp/f; chown 1 /tmp/f && echo chowned'] });
    const r = await runToEnd(h.client, c);
    assert.deepEqual(r.stdout.trim().split('\n'), ['CapPrm:\t0000000000000000', 'CapEff:\t0000000000000000', 'CapBnd:\t0000000000000000']);
    const d = makeContainer(h.base, { capDrop: ['NET_RAW'], cmd: ['sh', '-c', 'grep CapEff /proc/self/status'] });
    const eff = parseInt((await runToEnd(h.client, d)).stdout.split('\t')[1], 16);
    assert.equal(eff & (1 << 13), 0, 'CAP_NET_RAW is dropped');
    assert.notEqual(eff & (1 << 0), 0, 'CAP_CHOWN is kept');
  });

  it('applies the user, a read-only root, bind and tmpfs mounts, and clamps rlimits', async () => {
    const shared = path.join(h.base, `shared-${Date.now()}`);
    fs.mkdirSync(shared);
    fs.writeFileSync(path.join(shared, 'hello'), 'from the host\n');
    const c = makeContainer(
      h.base,
      {
        readOnly: true,
        mounts: [
          { type: 'bind', source: shared, target: '/data', readOnly: true },
          { type: 'tmpfs', target: '/scratch', readOnly: false, options: ['mode=1777'] },
        ],
        ulimits: [{ name: 'nofile', soft: 1024, hard: 1 << 30 }],
        workingDir: '/scratch/work',
        cmd: ['sh', '-c', 'id; pwd; cat /data/hello; touch /data/x || echo data-ro; touch /x || echo root-ro; touch /scratch/y && echo scratch-rw; ulimit -n'],
      },
      { user: { uid: 65534, gid: 65534, additionalGids: [5], home: '/nonexistent' } },
    );
    const r = await runToEnd(h.client, c);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^uid=65534\(nobody\) gid=65534\(nogroup\)( groups=.*5\(tty\).*)?$/);
    assert.deepEqual(lines.slice(1), ['/scratch/work', 'from the host', 'data-ro', 'root-ro', 'scratch-rw', '1024']);
    assert.ok(r.warnings.some((w) => /RLIMIT_NOFILE clamped/.test(w)), `a warning about the clamped nofile limit: ${r.warnings.join('; ')}`);
  });

  it('answers exec failures with Docker exit codes 127 and 126', async () => {
    for (const [cmd, code] of [[['no-such-program'], 127], [['/etc/passwd'], 126]] as const) {
      const c = makeContainer(h.base, { cmd: [...cmd] });
      await assert.rejects(
        h.client.run({ id: c.id, bundle: c.bundle, state: c.dir, tty: false, stdin: false, waitAttach: false }),
        (err: unknown) => err instanceof HelperError && err.exitCode === code && /no-such-program|passwd/.test(err.message),
      );
      assert.equal(c.exit()?.exitCode, code);
    }
  });

  it('gives a terminal of the size in the spec, resized by the client', async () => {
    const c = makeContainer(h.base, { tty: true, cmd: ['sh', '-c', 'tty; stty size; echo $TERM; read line; stty size'] }, { terminalSize: { rows: 33, cols: 101 } });
    await h.client.run({ id: c.id, bundle: c.bundle, state: c.dir, tty: true, stdin: true, waitAttach: true });
    const stdout = new Collector();
    const stdin = new PassThrough();
    const attachment = await h.client.attach(path.join(c.dir, 'attach.sock'), { stdout, stderr: new Collector(), stdin });
    await waitFor(() => (stdout.text.includes('xterm') ? true : undefined), 'the first size');
    attachment.resize(40, 120);
    stdin.write('go\n');
    assert.equal(await attachment.exited, 0);
    assert.match(stdout.text, /^\/dev\/pts\/0\r\n33 101\r\nxterm\r\n(go\r\n)?40 120\r\n$/);
  });

  it('feeds stdin and closes it', async () => {
    const c = makeContainer(h.base, { openStdin: true, cmd: ['sh', '-c', 'cat; echo end'] });
    const stdin = new PassThrough();
    const done = runToEnd(h.client, c, { stdin });
    stdin.write('hello\n');
    stdin.end('world\n');
    const r = await done;
    assert.equal(r.stdout, 'hello\nworld\nend\n');
  });

  it('delivers signals: a handler runs, a shell as PID 1 ignores TERM but not KILL, --init forwards', async () => {
    const cases = [
      { cmd: ['sh', '-c', 'trap "exit 7" TERM; echo ready; while true; do sleep 0.05; done'], init: false, signals: [15], code: 7 },
      { cmd: ['sh', '-c', 'echo ready; while true; do sleep 0.05; done'], init: false, signals: [15, 9], code: 137 },
      { cmd: ['sh', '-c', 'echo ready; while true; do sleep 0.05; done'], init: true, signals: [15], code: 143 },
    ];
    for (const t of cases) {
      const c = makeContainer(h.base, { cmd: t.cmd, init: t.init });
      await h.client.run({ id: c.id, bundle: c.bundle, state: c.dir, tty: false, stdin: false, waitAttach: false });
      await waitFor(() => (fs.readFileSync(path.join(c.dir, 'ctr.log'), 'utf8').includes('ready') ? true : undefined), 'ready');
      for (const signo of t.signals) {
        await h.client.signal(path.join(c.dir, 'attach.sock'), signo);
        if (signo === 15 && t.signals.length > 1) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          assert.equal(c.exit(), undefined, 'SIGTERM to a shell as PID 1 without a handler is ignored');
        }
      }
      const exit = await waitFor(() => c.exit(), 'exit.json');
      assert.equal(exit.exitCode, t.code, t.cmd.join(' '));
    }
  });

  it('shares one daemon between clients that start it at the same moment', async () => {
    const runtimeDir = path.join(h.base, 'race');
    const clients = await Promise.all([1, 2, 3, 4].map(() => HelperClient.connect({ runtimeDir })));
    const pids = await Promise.all(clients.map(async (c) => (await c.ping()).pid));
    assert.equal(new Set(pids).size, 1, `one daemon, not ${pids.join(', ')}`);
    await clients[0].shutdown();
  });

  it('keeps the container running when the daemon is killed', async () => {
    const c = makeContainer(h.base, { cmd: ['sh', '-c', 'trap "exit 5" TERM; while true; do sleep 0.05; done'] });
    const started = await h.client.run({ id: c.id, bundle: c.bundle, state: c.dir, tty: false, stdin: false, waitAttach: false });
    const daemon = (await h.client.ping()).pid;
    process.kill(daemon, 'SIGKILL');
    await waitFor(() => (fs.existsSync(`/proc/${daemon}`) ? undefined : true), 'the daemon to die');
    assert.ok(fs.existsSync(`/proc/${started.monitorPid}`), 'the monitor lives on');
    assert.ok(fs.existsSync(`/proc/${started.pid}`), 'the container lives on');
    assert.notEqual((await h.client.ping()).pid, daemon, 'the next request starts a new daemon');
    await h.client.signal(path.join(c.dir, 'attach.sock'), 15);
    assert.equal((await waitFor(() => c.exit(), 'exit.json')).exitCode, 5);
  });

  it('runs exec sessions in the container', async () => {
    const c = makeContainer(h.base, { hostname: 'testbox', cmd: ['sh', '-c', 'echo ready; while true; do sleep 0.05; done'] });
    const started = await h.client.run({ id: c.id, bundle: c.bundle, state: c.dir, tty: false, stdin: false, waitAttach: false });
    const execId = 'e1';
    await h.client.exec({ id: c.id, state: c.dir, execId, pid: started.pid, process: { ...c.spec.process, args: ['sh', '-c', 'hostname; cat /proc/1/cmdline | tr "\\0" " "; echo; exit 4'] }, tty: false, stdin: false, waitAttach: true });
    const stdout = new Collector();
    const attachment = await h.client.attach(path.join(c.dir, 'exec', execId, 'attach.sock'), { stdout, stderr: new Collector() });
    assert.equal(await attachment.exited, 4);
    assert.match(stdout.text, /^testbox\nsh -c echo ready/);
    await h.client.signal(path.join(c.dir, 'attach.sock'), 9);
    await waitFor(() => c.exit(), 'exit.json');
  });

  it("attached, runs the process on the answer's connection, with attach.sock and exec sessions in the runtime dir", async () => {
    const c = makeContainer(h.base, { cmd: ['sh', '-c', 'read line; echo "got $line"; echo err >&2; exit 6'] });
    const runtime = fs.mkdtempSync(path.join(h.base, 'run-'));
    const stdin = new PassThrough();
    const stdout = new Collector();
    const stderr = new Collector();
    const started = await h.client.run({ id: c.id, bundle: c.bundle, state: c.dir, runtime, tty: false, stdin: true, waitAttach: false }, { stdout, stderr, stdin });
    assert.ok(fs.existsSync(path.join(runtime, 'attach.sock')), 'attach.sock in the runtime dir');
    assert.ok(!fs.existsSync(path.join(c.dir, 'attach.sock')), 'none in the state dir');
    const execOut = new Collector();
    const exec = await h.client.exec(
      { id: c.id, state: c.dir, runtime, execId: 'e2', pid: started.pid, process: { ...c.spec.process, args: ['sh', '-c', 'echo in exec; exit 2'] }, tty: false, stdin: false, waitAttach: false },
      { stdout: execOut, stderr: new Collector() },
    );
    assert.equal(await exec.attachment!.exited, 2);
    assert.equal(execOut.text, 'in exec\n');
    assert.equal(JSON.parse(fs.readFileSync(path.join(runtime, 'exec', 'e2', 'exit.json'), 'utf8')).exitCode, 2);
    stdin.end('hello\n');
    assert.equal(await started.attachment!.exited, 6);
    assert.equal(stdout.text, 'got hello\n');
    assert.equal(stderr.text, 'err\n');
    assert.equal(c.exit()?.exitCode, 6, 'exit.json in the state dir');
    assert.ok(!fs.existsSync(path.join(runtime, 'attach.sock')), 'attach.sock gone with the process');
  });

  it("attached with waitAttach, starts the process at the client's start frame", async () => {
    const c = makeContainer(h.base, { cmd: ['sh', '-c', 'echo started; exit 7'] });
    const stdout = new Collector();
    const started = await h.client.run({ id: c.id, bundle: c.bundle, state: c.dir, tty: false, stdin: false, waitAttach: true }, { stdout, stderr: new Collector() });
    // Set up but not yet the program: still the monitor's clone.
    assert.equal(fs.readFileSync(`/proc/${started.pid}/comm`, 'utf8'), 'berth-monitor\n');
    started.attachment!.start();
    assert.equal(await started.attachment!.exited, 7);
    assert.equal(stdout.text, 'started\n');
  });

  it('replaces a daemon that speaks an older protocol', async () => {
    // A stand-in for an old helper left running across an upgrade: refuses version 2, leaves when asked.
    const runtimeDir = fs.mkdtempSync(path.join(h.base, 'old-'));
    const old = net.createServer((conn) => {
      conn.once('data', (line) => {
        const request = JSON.parse(line.toString());
        if (request.v !== undefined && request.v !== 1) conn.end(JSON.stringify({ ok: false, error: { code: 'unsupported-version', message: 'speaks 1' } }) + '\n');
        else if (request.op === 'ping') conn.end(JSON.stringify({ ok: true, protocol: 1, pid: process.pid }) + '\n');
        else if (request.op === 'shutdown') conn.end(JSON.stringify({ ok: true }) + '\n', () => old.close());
      });
    });
    await new Promise<void>((resolve) => old.listen(path.join(runtimeDir, 'helper.sock'), resolve));
    const client = await HelperClient.connect({ runtimeDir });
    const ping = await client.ping();
    assert.equal(ping.protocol, 2);
    assert.notEqual(ping.pid, process.pid);
    await client.shutdown();
  });

  it('reports limits it cannot apply as warnings', { skip: limits.includes('memory') && 'this user can apply limits' }, async () => {
    const c = makeContainer(h.base, { resources: { memory: 64 << 20 }, cmd: ['true'] }, { cgroupsPath: `berth-test/${Date.now()}` });
    const r = await runToEnd(h.client, c);
    assert.equal(r.code, 0);
    assert.ok(r.warnings.some((w) => /memory limit not applied/.test(w)), r.warnings.join('; '));
  });

  it('kills an over-allocation with the memory limit', { skip: !limits.includes('memory') && 'no memory cgroup for this user' }, async () => {
    const c = makeContainer(h.base, { resources: { memory: 32 << 20 }, cmd: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1'] }, { cgroupsPath: `berth-test/${c8()}` });
    const r = await runToEnd(h.client, c);
    assert.equal(r.code, 137);
    assert.equal(c.exit()?.oomKilled, true);
    const cgroup = JSON.parse(fs.readFileSync(path.join(c.dir, 'cgroup.json'), 'utf8')) as { version: number; paths: Record<string, string> };
    assert.ok(cgroup.version === 1 ? cgroup.paths.memory : cgroup.paths.unified);
  });

  it('makes a freezer cgroup for a container started without one, with all its processes, gone at its exit', { skip: !limits.includes('freezer') && 'no freezer cgroup for this user' }, async () => {
    const c = makeContainer(h.base, { cmd: ['sh', '-c', 'sleep 30 & sleep 30 & echo ready; wait'] });
    const started = await h.client.run({ id: c.id, bundle: c.bundle, state: c.dir, tty: false, stdin: false, waitAttach: false });
    await waitFor(() => (c.log().includes('stdout ready') ? true : undefined), 'the background processes');
    assert.ok(!fs.existsSync(path.join(c.dir, 'cgroup.json')), 'no cgroup without limits');
    const request = { state: c.dir, pid: started.pid, cgroupsPath: `berth-test/${c8()}` };
    await h.client.freezer(request);
    const cgroup = JSON.parse(fs.readFileSync(path.join(c.dir, 'cgroup.json'), 'utf8')) as { version: number; paths: Record<string, string> };
    assert.deepEqual(Object.keys(cgroup.paths), ['freezer'], 'only what pausing needs: usage figures would miss the time before');
    const inside = fs.readFileSync(path.join(cgroup.paths.freezer, 'cgroup.procs'), 'utf8').trim().split('\n');
    assert.equal(inside.length, 3, `init and two sleeps, got ${inside.join(' ')}`);
    await h.client.freezer(request); // has one now: nothing to do
    await h.client.signal(path.join(c.dir, 'attach.sock'), 9);
    await waitFor(() => c.exit(), 'exit.json');
    await waitFor(() => (fs.existsSync(cgroup.paths.freezer) ? undefined : true), 'the cgroup to go');
  });

  it('stops a fork bomb with the pids limit', { skip: !limits.includes('pids') && 'no pids cgroup for this user' }, async () => {
    const c = makeContainer(h.base, { resources: { pidsLimit: 16 }, cmd: ['sh', '-c', 'for i in $(seq 40); do sleep 30 & done; set -- /proc/[0-9]*; echo $#; kill -9 -1; exit 0'] }, { cgroupsPath: `berth-test/${c8()}` });
    const r = await runToEnd(h.client, c);
    assert.ok(Number(r.stdout.trim()) <= 16, `${r.stdout.trim()} processes under a limit of 16`);
    assert.match(r.stderr, /fork|Resource temporarily unavailable/);
  });
});

function c8(): string {
  return Math.random().toString(16).slice(2, 10);
}
