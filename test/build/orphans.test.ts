/**
 * Build containers left behind by a build that died: the next build removes them, also
 * the awkward ones. A rootless container that deleted a file of its image leaves overlay's
 * shared whiteout in `work/work`, a mode-000 directory a plain recursive rm cannot read
 * (EACCES), and a removal cut short leaves a directory with no container.json.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { IMAGE, eventually } from '../runtime/support';
import { buildContainers, buildWith, interruptedBuild, makeContext, useTestStore } from './support';

describe('berth build: orphaned build containers', () => {
  const store = useTestStore();

  it('removes the container of a killed build whose removal had begun, work/work and all', async () => {
    const ctx = makeContext({ Dockerfile: `FROM ${IMAGE}\nRUN rm /bin/ls && echo started && sleep 2\n` });
    await interruptedBuild(store, ctx, 'SIGKILL');
    const [orphan] = buildContainers(store);
    await eventually(async () => fs.existsSync(path.join(orphan, 'exit.json')), 20_000, 'the orphaned RUN to end');
    assert.ok(fs.readdirSync(path.join(orphan, 'work')).includes('work'));
    // As a removal stopped after its first step leaves it.
    fs.rmSync(path.join(orphan, 'container.json'));
    await buildWith(store, makeContext({ Dockerfile: `FROM ${IMAGE}\nLABEL next=1\n` }));
    assert.deepEqual(buildContainers(store), []);
  });

  it('leaves a container with no lease file yet to the build making it, unless it is old', async () => {
    // Another build between creating its container and writing the lease looks like this.
    const young = path.join(store.root, 'builds', 'containers', 'b'.repeat(64));
    fs.mkdirSync(path.join(young, 'upper'), { recursive: true });
    await buildWith(store, makeContext({ Dockerfile: `FROM ${IMAGE}\nLABEL next=2\n` }));
    assert.deepEqual(buildContainers(store), [young]);
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(young, hourAgo, hourAgo);
    await buildWith(store, makeContext({ Dockerfile: `FROM ${IMAGE}\nLABEL next=3\n` }));
    assert.deepEqual(buildContainers(store), []);
  });
});
