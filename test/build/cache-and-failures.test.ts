/**
 * The build cache (hits run nothing, content not mtimes, survives a new Engine, prune)
 * and failures (Dockerfile errors before any step, a failing RUN, Ctrl-C and kill -9
 * leaving no image, container or mount), through the engine and the real CLI.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Engine } from '../../src/runtime/engine';
import { IMAGE } from '../runtime/support';
import { buildContainers, buildWith, interruptedBuild, makeContext, runIn, useTestStore } from './support';

const SIX_STEPS = `FROM ${IMAGE}
ENV A=1
COPY a.txt /a.txt
RUN echo ran >> /ran
COPY dir /dir
RUN cat /a.txt > /b.txt
`;

describe('berth build: cache', () => {
  const store = useTestStore();

  it('a rebuild with nothing changed runs no step and gives the same image id', async () => {
    const ctx = makeContext({ Dockerfile: SIX_STEPS, 'a.txt': 'a', 'dir/x': 'x' });
    const first = await buildWith(store, ctx);
    assert.equal(first.ran.length, 4);
    const again = await buildWith(store, ctx);
    assert.deepEqual(again.ran, []);
    assert.equal(again.cached.length, 5);
    assert.equal(again.id, first.id);
    assert.ok(!again.events.some((e) => e.type === 'step.log'));
  });

  it('a rebuild with nothing changed writes nothing: no lease, no blob, no refs.json, no record', async () => {
    const ctx = makeContext({ Dockerfile: SIX_STEPS, 'a.txt': 'unchanged', 'dir/x': 'x' });
    await buildWith(store, ctx, { tags: ['unchanged'] });
    // A directory's mtime moves with every file made or removed in it.
    const mtimes = () => ['leases', 'refs.json', 'blobs/sha256', 'builds/cache'].map((p) => fs.statSync(path.join(store.root, p)).mtimeMs);
    const before = mtimes();
    assert.deepEqual((await buildWith(store, ctx, { tags: ['unchanged'] })).ran, []);
    assert.deepEqual(mtimes(), before);
  });

  it('keys COPY on content: a touched file hits, an edited one misses from that step on', async () => {
    const ctx = makeContext({ Dockerfile: SIX_STEPS, 'a.txt': 'a', 'dir/x': 'x' });
    await buildWith(store, ctx);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(ctx, 'a.txt'), later, later);
    assert.deepEqual((await buildWith(store, ctx)).ran, []);
    fs.writeFileSync(path.join(ctx, 'dir', 'x'), 'changed');
    const rebuilt = await buildWith(store, ctx);
    assert.deepEqual(rebuilt.ran, ['COPY dir /dir', 'RUN cat /a.txt > /b.txt']);
    assert.equal(await runIn(store, rebuilt.id, 'cat /dir/x /ran'), 'changedran\n');
  });

  it('a same-size edit with the mtime put back (touch -r) misses: digests are trusted by ctime too', async () => {
    const ctx = makeContext({ Dockerfile: SIX_STEPS, 'a.txt': 'a', 'dir/x': 'x' });
    // Settled files (older than a clock tick) are the ones whose digests the cache remembers.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await buildWith(store, ctx);
    assert.deepEqual((await buildWith(store, ctx)).ran, []);
    const file = path.join(ctx, 'dir', 'x');
    execFileSync('touch', ['-r', file, path.join(ctx, 'times')]);
    fs.writeFileSync(file, 'y');
    execFileSync('touch', ['-r', path.join(ctx, 'times'), file]);
    const rebuilt = await buildWith(store, ctx);
    assert.deepEqual(rebuilt.ran, ['COPY dir /dir', 'RUN cat /a.txt > /b.txt']);
    assert.equal(await runIn(store, rebuilt.id, 'cat /dir/x'), 'y');
  });

  it('a changed build arg reruns the RUN steps that see it; --no-cache reruns everything', async () => {
    const ctx = makeContext({ Dockerfile: `FROM ${IMAGE}\nRUN echo fixed > /f\nARG X=1\nRUN echo $X > /x\n` });
    await buildWith(store, ctx);
    assert.deepEqual((await buildWith(store, ctx, { buildArgs: { X: '2' } })).ran, ['RUN echo $X > /x']);
    assert.deepEqual((await buildWith(store, ctx, { noCache: true })).ran, ['RUN echo fixed > /f', 'RUN echo $X > /x']);
  });

  it('survives a new engine (restart) and is emptied by builder prune', async () => {
    const ctx = makeContext({ Dockerfile: SIX_STEPS, 'a.txt': 'restart', 'dir/x': 'x' });
    await buildWith(store, ctx);
    const reopened = await Engine.open({ root: store.root, runtimeDir: store.runtimeDir });
    const events: string[] = [];
    await reopened.buildImage({ context: ctx, dockerfile: SIX_STEPS, onEvent: (e) => events.push(e.type) });
    assert.ok(!events.includes('step.done') || events.filter((e) => e === 'step.done').length === 1, 'only FROM is done, the rest cached');
    const pruned = await store.cli(['builder', 'prune', '-f']);
    assert.equal(pruned.code, 0);
    assert.match(pruned.stdout, /Deleted build cache objects: [1-9]/);
    assert.equal((await buildWith(store, ctx)).ran.length, 4);
  });
});

describe('berth build: CLI and failures', () => {
  const store = useTestStore();

  const mountsOfStore = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(store.root));

  it('prints plain progress, tags several names, -q prints the id, --iidfile writes it, --label and -f - work', async () => {
    const ctx = makeContext({ Dockerfile: `FROM ${IMAGE}\nRUN echo from-run\n` });
    const r = await store.cli(['build', '-t', 'cli:a', '-t', 'cli:b', '--label', 'who=cli', ctx]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /#2 \[stage-0 2\/2\] RUN echo from-run\n#2 \d+\.\d{3} from-run\n#2 DONE \d+\.\ds/);
    assert.match(r.stderr, /naming to docker\.io\/library\/cli:b done/);
    const iid = path.join(ctx, 'iid');
    const q = await store.cli(['build', '-q', '--iidfile', iid, '-f', '-', ctx], { input: `FROM ${IMAGE}\nLABEL from=stdin\n` });
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /^sha256:[a-f0-9]{64}\n$/);
    assert.equal(q.stderr, '');
    assert.equal(fs.readFileSync(iid, 'utf8'), q.stdout.trim());
    assert.equal(((await store.engine.inspectImage('cli:a')).Config as { Labels: Record<string, string> }).Labels.who, 'cli');
  });

  it('refuses a bad Dockerfile with file:line:column before any step runs', async () => {
    const ctx = makeContext({ Dockerfile: `FROM ${IMAGE}\nRUN echo never > /never\nCOPY --nope a /b\n` });
    const r = await store.cli(['build', ctx]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Dockerfile:3:6: error: .*nope/);
    assert.doesNotMatch(r.stderr, /#1/);
    const events: unknown[] = [];
    await assert.rejects(store.engine.buildImage({ context: ctx, dockerfile: 'FROM busybox:test\nFOO bar\n', onEvent: (e) => events.push(e) }), /Dockerfile:2:1/);
    assert.deepEqual(events, []);
  });

  it('reports a failing RUN with its step, command, exit code and last output lines, and exits non-zero', async () => {
    const before = (await store.engine.listImages()).length;
    const ctx = makeContext({ Dockerfile: `FROM ${IMAGE}\nRUN echo one && echo two >&2 && exit 7\n` });
    const r = await store.cli(['build', '-t', 'failed', ctx]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Dockerfile:2:1: RUN echo one && echo two >&2 && exit 7: the command .* exited with code 7\n {2}one\n {2}two/);
    assert.match(r.stderr, /#2 ERROR/);
    assert.equal((await store.engine.listImages()).length, before);
    assert.deepEqual(buildContainers(store), []);
  });

  it('Ctrl-C (SIGINT) cancels a running step: no image, no build container, no mount', async () => {
    const before = (await store.engine.listImages()).length;
    const ctx = makeContext({ Dockerfile: `FROM ${IMAGE}\nRUN echo started && sleep 60\n` });
    const { code, stderr } = await interruptedBuild(store, ctx, 'SIGINT', ['-t', 'interrupted']);
    assert.equal(code, 130, stderr);
    assert.equal((await store.engine.listImages()).length, before);
    assert.deepEqual(buildContainers(store), []);
    assert.deepEqual(mountsOfStore(), []);
  });

  it('after kill -9 of a build, the next build removes the orphaned container', async () => {
    const ctx = makeContext({ Dockerfile: `FROM ${IMAGE}\nRUN echo started && sleep 60\n` });
    await interruptedBuild(store, ctx, 'SIGKILL');
    assert.equal(buildContainers(store).length, 1);
    await buildWith(store, makeContext({ Dockerfile: `FROM ${IMAGE}\nLABEL next=1\n` }));
    assert.deepEqual(buildContainers(store), []);
  });
});
