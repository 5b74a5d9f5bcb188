/**
 * Dockerfile lines (issue 7): an image built from a Dockerfile file records, per history
 * entry, the file and the lines of the instruction that made it — multi-line and heredoc
 * instructions as ranges, a stage's entries through the stage built FROM it — and the
 * layers report, the CLI and a save/load round trip carry them. A rebuild where only the
 * lines moved is all cache hits and still records the new lines.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { DOCKERFILE_LINES_LABEL, readDockerfileLines } from '../../src/runtime/image/dockerfile-lines';
import { IMAGE } from '../runtime/support';
import { buildWith, configOf, makeContext, useTestStore } from './support';

const DOCKERFILE = `FROM ${IMAGE} AS base
ENV A=1
RUN echo one > /one \\
 && echo two > /two
FROM base
# a comment
COPY f.txt /f.txt
RUN <<EOF
echo hi > /hi
EOF
CMD ["sh"]
`;

/** [startLine, endLine] of ENV, RUN, COPY, RUN <<EOF, CMD, after the base image's entries. */
const LINES = [[2, 2], [3, 4], [7, 7], [8, 10], [11, 11]];

describe('berth build: Dockerfile lines', () => {
  const store = useTestStore();
  let ctx: string;
  let file: string;
  let baseHistory: number;
  before(async () => {
    ctx = makeContext({ Dockerfile: DOCKERFILE, 'f.txt': 'f\n' });
    file = path.join(ctx, 'Dockerfile');
    baseHistory = (await store.engine.imageHistory(IMAGE)).length;
  });

  const expected = (shift: number) => [...Array(baseHistory).fill(undefined), ...LINES.map(([s, e]) => ({ file, startLine: s + shift, endLine: e + shift }))];

  it('records each history entry’s instruction lines, and the layers report and CLI show them', async () => {
    const { id } = await buildWith(store, ctx, { tags: ['lines:1'], dockerfilePath: file });
    const config = await configOf(store, id);
    assert.deepEqual([...readDockerfileLines(config.Labels)], expected(0));
    assert.deepEqual(Object.keys(config.Labels), [DOCKERFILE_LINES_LABEL], 'no other label');

    const report = (await store.engine.imageLayers(id)).report;
    assert.deepEqual(report.rows.slice(baseHistory).map((r) => r.source), LINES.map(([s]) => ({ file, line: s })));
    assert.ok(report.rows.slice(0, baseHistory).every((r) => r.source === undefined));

    const text = await store.cli(['layers', 'lines:1']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /LAYER +SIZE +CHANGES +DOCKERFILE +CREATED BY/);
    assert.match(text.stdout, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7 +/bin/sh -c #\\(nop\\) COPY`));

    const archive = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-lines-')), 'lines.tar');
    assert.equal((await store.cli(['save', '-o', archive, 'lines:1'])).code, 0);
    assert.equal((await store.cli(['rmi', 'lines:1'])).code, 0);
    const loaded = await store.cli(['load', '-i', archive]);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.equal((await store.engine.inspectImage('lines:1')).Id, id, 'the label survives save and load');
  });

  it('records the new lines when only the lines moved, every step a cache hit', async () => {
    const moved = `# syntax note\n\n${DOCKERFILE}`;
    fs.writeFileSync(file, moved);
    const { id, ran } = await buildWith(store, ctx, { dockerfile: moved, dockerfilePath: file });
    assert.deepEqual(ran, [], 'nothing ran again');
    assert.deepEqual([...readDockerfileLines((await configOf(store, id)).Labels)], expected(2));
  });

  it('records nothing without a Dockerfile path (a Dockerfile from stdin)', async () => {
    const { id } = await buildWith(store, ctx, { dockerfile: DOCKERFILE });
    assert.equal((await configOf(store, id)).Labels?.[DOCKERFILE_LINES_LABEL], undefined);
  });
});
