import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildModel } from '../../../../src/runtime/build/dockerfile/dockerfile';
import { completionsAt } from '../../../../src/extension/dockerfile/completion-items';
import { formatEdits } from '../../../../src/extension/dockerfile/format';
import { hoverAt } from '../../../../src/extension/dockerfile/hover-content';
import { instructions } from '../../../../src/extension/dockerfile/reference';
import { invalidName, occurrencesOf, symbolAt, symbolIndex } from '../../../../src/extension/dockerfile/symbols';

const analyze = (text: string) => ({ model: buildModel(text), lines: text.split('\n') });
const at = (line: number, character: number) => ({ line, character });
const noImages = async () => [] as string[];

const FILE = [
  '# syntax=docker/dockerfile:1',
  'ARG VERSION=3.20',
  'FROM alpine:${VERSION} AS builder',
  'ENV APP=/app',
  'RUN --mount=type=cache,target=/c cat <<EOF > $APP/x',
  'hello',
  'EOF',
  'FROM builder',
  'COPY --from=builder $APP /out',
  '',
].join('\n');

describe('editor: symbols', () => {
  const { model, lines } = analyze(FILE);
  const index = symbolIndex(model, lines);

  it('finds a stage from a reference, with its definition and every use', () => {
    const s = symbolAt(index, at(8, 14))!;
    assert.equal(s.key, 'stage:builder');
    assert.deepEqual(occurrencesOf(index, s.key).map((o) => [o.range.start.line, o.definition]), [[2, true], [7, false], [8, false]]);
  });

  it('finds variables (ARG and ENV definitions, $X and ${X} uses)', () => {
    assert.deepEqual(occurrencesOf(index, 'var:APP').map((o) => [o.range.start.line, o.range.start.character, o.definition]), [[3, 4, true], [4, 46, false], [8, 21, false]]);
    assert.deepEqual(occurrencesOf(index, 'var:VERSION').map((o) => o.range.start.line), [1, 2]);
  });

  it('pairs a heredoc marker with its terminator', () => {
    const s = symbolAt(index, at(4, 40))!;
    assert.equal(s.kind, 'heredoc');
    assert.deepEqual(occurrencesOf(index, s.key).map((o) => `${o.range.start.line}:${o.range.start.character}-${o.range.end.character}`), ['4:39-42', '6:0-3']);
  });

  it('validates new names', () => {
    assert.ok(invalidName('stage', '1x'));
    assert.equal(invalidName('variable', 'NEW_NAME'), undefined);
  });
});

describe('editor: hover', () => {
  const { model, lines } = analyze(FILE);
  it('documents instructions, flags and directives', async () => {
    assert.match((await hoverAt(model, lines, at(3, 1), undefined))!.markdown, /^\*\*ENV\*\*/);
    assert.match((await hoverAt(model, lines, at(4, 7), undefined))!.markdown, /^\*\*--mount\*\* \(RUN\)/);
    assert.match((await hoverAt(model, lines, at(0, 4), undefined))!.markdown, /parser directive/);
  });

  it("shows a variable's value at that point", async () => {
    assert.equal((await hoverAt(model, lines, at(2, 16), undefined))!.markdown, '**$VERSION** = `"3.20"`');
    assert.equal((await hoverAt(model, lines, at(8, 22), undefined))!.markdown, '**$APP** = `"/app"`');
  });

  it('shows what the store knows of a FROM image', async () => {
    const image = { id: 'sha256:' + 'c'.repeat(64), platform: 'linux/amd64', env: [], size: 2048, created: '2026-01-01T00:00:00Z', layers: 2, tags: ['alpine:3.20'] };
    const md = (await hoverAt(model, lines, at(2, 7), async () => image))!.markdown;
    assert.match(md, /\| Id \| `cccccccccccc` \|/);
    assert.match(md, /\| Layers \| 2 \|/);
    // A link opens the layers panel on the image the FROM names.
    assert.ok(md.endsWith(`[Show layers](command:berth.images.layers?${encodeURIComponent(JSON.stringify(['alpine:3.20']))})`), md);
    assert.match((await hoverAt(model, lines, at(2, 7), async () => undefined))!.markdown, /Not in the local store/);
  });

  it('has documentation for every instruction and its flags', () => {
    assert.equal(instructions.length, 18);
    for (const i of instructions) for (const f of i.flags) assert.ok(f.doc.length > 10, `${i.name} --${f.name}`);
  });
});

describe('editor: completion', () => {
  const { model, lines } = analyze(FILE);
  it('offers instructions with snippets at the start of a line, lowercase when typed so', async () => {
    const items = await completionsAt(model, ['ru'], at(0, 2), noImages);
    assert.ok(items.some((i) => i.label === 'run' && i.snippet?.startsWith('run ')));
  });

  it('offers flags, variables in scope, stage names and local images', async () => {
    const text = (line: string) => ({ lines: [...lines.slice(0, 9), line], p: at(9, line.length) });
    const flags = text('COPY --');
    const model2 = buildModel([...lines.slice(0, 9), 'COPY --'].join('\n'));
    assert.ok((await completionsAt(model2, flags.lines, flags.p, noImages)).some((i) => i.label === '--from'));
    const vars = await completionsAt(model, lines, at(8, 22), noImages);
    assert.deepEqual(vars.map((i) => i.label).sort(), ['APP']);
    const fromLine = [...lines.slice(0, 9), 'FROM '];
    const model3 = buildModel(fromLine.join('\n'));
    const labels = (await completionsAt(model3, fromLine, at(9, 5), async () => ['busybox:latest'])).map((i) => i.label);
    assert.deepEqual(labels, ['builder', 'busybox:latest', 'scratch']);
  });

  it('offers parser directives at the top', async () => {
    assert.ok((await completionsAt(model, ['# ', ...lines], at(0, 2), noImages)).some((i) => i.label === 'check'));
  });
});

describe('editor: formatting', () => {
  it('indents continuations, unindents instructions, trims blanks, leaves heredocs alone', () => {
    const text = '  FROM a  \nRUN a \\\nb \\\n      c\nRUN <<EOF\n  keep  \nEOF\n';
    const { model, lines } = analyze(text);
    const out = [...lines];
    for (const e of formatEdits(model, lines)) out[e.range.start.line] = e.newText;
    assert.equal(out.join('\n'), 'FROM a\nRUN a \\\n    b \\\n    c\nRUN <<EOF\n  keep  \nEOF\n');
  });
});
