import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parse } from '../../../../src/runtime/build/dockerfile/parser';
import type { Range } from '../../../../src/runtime/build/dockerfile/source';

const r = (sl: number, sc: number, el: number, ec: number): Range => ({ start: { line: sl, character: sc }, end: { line: el, character: ec } });
const codes = (src: string) => parse(src).diagnostics.map((d) => d.code);

describe('parse: parser directives', () => {
  it('reads syntax, escape and check at the top, with ranges', () => {
    const p = parse('# syntax=docker/dockerfile:1\n#  Escape = `\n# check=skip=JSONArgsRecommended;error=true\nFROM a\n');
    assert.deepEqual(p.directives.map((d) => [d.name, d.value]), [
      ['syntax', 'docker/dockerfile:1'],
      ['escape', '`'],
      ['check', 'skip=JSONArgsRecommended;error=true'],
    ]);
    assert.equal(p.escapeToken, '`');
    assert.deepEqual(p.check, { skip: ['JSONArgsRecommended'], error: true, experimental: [] });
    assert.deepEqual(p.directives[1].valueRange, r(1, 12, 1, 13));
  });

  it('stops reading directives at the first other line', () => {
    const p = parse('# hello\n# escape=`\nFROM a\n');
    assert.equal(p.directives.length, 0);
    assert.equal(p.escapeToken, '\\');
    assert.equal(parse('\n# escape=`\nFROM a\n').escapeToken, '\\');
  });

  it('reports a repeated directive and an invalid escape token', () => {
    assert.deepEqual(codes('# escape=`\n# escape=\\\nFROM a\n'), ['directive-duplicate']);
    assert.deepEqual(codes('# escape=x\nFROM a\n'), ['directive-invalid-escape']);
    assert.deepEqual(codes('# check=error=maybe\nFROM a\n'), ['directive-invalid-check']);
  });

  it('drops a byte-order mark but keeps character positions of the text', () => {
    const p = parse('\ufeffFROM a\n');
    assert.equal(p.nodes[0].keyword, 'FROM');
    assert.deepEqual(p.nodes[0].keywordRange, r(0, 1, 0, 5));
  });
});

describe('parse: lines and continuations', () => {
  it('glues continuation lines, dropping comments and blank lines inside', () => {
    const p = parse('RUN a \\\n# inside\n\n  b \\\n  c\n');
    assert.equal(p.nodes[0].args[0].value, 'a   b   c');
    assert.deepEqual(p.nodes[0].range, r(0, 0, 4, 3));
    assert.deepEqual(codes('FROM a\nRUN a \\\n\n b\n'), ['empty-continuation-line']);
  });

  it('continues with a backtick under escape=`, and not after an escaped escape', () => {
    assert.equal(parse('# escape=`\nRUN a `\n b\n').nodes[0].args[0].value, 'a  b');
    assert.equal(parse('RUN a \\\\\nRUN b\n').nodes.length, 2);
  });

  it('attaches the comments just above an instruction; an empty # clears them', () => {
    const p = parse('# one\n# two\nFROM a\n# three\n#\n# four\n\nRUN b\n');
    assert.deepEqual(p.nodes[0].comments, ['one', 'two']);
    assert.deepEqual(p.nodes[1].comments, ['four']);
    assert.equal(p.comments.length, 5);
  });

  it('reports a file without instructions', () => {
    assert.deepEqual(codes(''), ['no-instructions']);
    assert.deepEqual(codes('# only\n\n'), ['no-instructions']);
  });
});

describe('parse: arguments and ranges', () => {
  it('gives keyword, flag and argument ranges for the editor', () => {
    const n = parse('FROM a\nCOPY --from=build  --chown="u:g" src /dst\n').nodes[1];
    assert.deepEqual(n.keywordRange, r(1, 0, 1, 4));
    assert.deepEqual(n.flags.map((f) => [f.name, f.value, f.range, f.valueRange]), [
      ['from', 'build', r(1, 5, 1, 17), r(1, 12, 1, 17)],
      ['chown', 'u:g', r(1, 19, 1, 32), r(1, 27, 1, 32)],
    ]);
    assert.deepEqual(n.args.map((a) => [a.value, a.range]), [
      ['src', r(1, 33, 1, 36)],
      ['/dst', r(1, 37, 1, 41)],
    ]);
  });

  it('maps arguments on continuation lines to their own line', () => {
    const n = parse('COPY a \\\n  b \\\n  /c\n').nodes[0];
    assert.deepEqual(n.args.map((a) => a.range), [r(0, 5, 0, 6), r(1, 2, 1, 3), r(2, 2, 2, 4)]);
  });

  it('reads exec form with element ranges, and falls back to shell form for bad JSON', () => {
    const n = parse('CMD ["sh", "-c"]\n').nodes[0];
    assert.equal(n.json, true);
    assert.deepEqual(n.args.map((a) => [a.value, a.range]), [
      ['sh', r(0, 5, 0, 9)],
      ['-c', r(0, 11, 0, 15)],
    ]);
    const bad = parse("CMD ['sh']\n").nodes[0];
    assert.equal(bad.json, false);
    assert.deepEqual(bad.args.map((a) => a.value), ["['sh']"]);
  });

  it('rejects a JSON array of non-strings, marking the node invalid', () => {
    const p = parse('CMD ["a", 1]\n');
    assert.equal(p.nodes[0].invalid, true);
    assert.deepEqual(p.diagnostics.map((d) => d.code), ['json-not-string-array']);
  });

  it('reads ENV and LABEL in both forms, and reports the broken ones', () => {
    const n = parse('ENV A=1 "B C"=d\n').nodes[0];
    assert.deepEqual(n.args.map((a) => a.value), ['A', '1', '=', '"B C"', 'd', '=']);
    assert.deepEqual(n.args[4].range, r(0, 14, 0, 15));
    assert.deepEqual(parse('ENV A b c\n').nodes[0].args.map((a) => a.value), ['A', 'b c', '']);
    assert.deepEqual(codes('ENV A=1 B\n'), ['kv-missing-equals']);
    assert.deepEqual(codes('LABEL A\n'), ['kv-missing-value']);
  });

  it('nests the ONBUILD trigger with its own ranges', () => {
    const n = parse('ONBUILD RUN ["a"]\n').nodes[0];
    assert.equal(n.trigger?.instruction, 'run');
    assert.deepEqual(n.trigger?.keywordRange, r(0, 8, 0, 11));
    assert.equal(n.trigger?.json, true);
  });

  it('keeps flags on any instruction and stops at --', () => {
    const n = parse('CMD --x=1 -- --y\n').nodes[0];
    assert.deepEqual(n.flags.map((f) => f.text), ['--x=1']);
    assert.deepEqual(n.args.map((a) => a.value), ['--y']);
  });
});

describe('parse: heredocs', () => {
  it('locates marker, body and terminator', () => {
    const n = parse('RUN cat <<-EOF\n\thi\n\tEOF\nRUN b\n').nodes[0];
    const h = n.heredocs[0];
    assert.deepEqual([h.name, h.chomp, h.content], ['EOF', true, '\thi\n']);
    assert.deepEqual(h.markerRange, r(0, 8, 0, 14));
    assert.deepEqual(h.bodyRange, r(1, 0, 1, 3));
    assert.deepEqual(h.terminatorRange, r(2, 1, 2, 4));
    assert.deepEqual(n.range, r(0, 0, 2, 4));
  });

  it('reports an unterminated heredoc and keeps the tree', () => {
    const p = parse('FROM a\nRUN <<EOF\nx\n');
    assert.equal(p.nodes.length, 2);
    assert.deepEqual(p.diagnostics.map((d) => d.code), ['heredoc-unterminated']);
  });
});

describe('parse: robustness', () => {
  it('never throws on hostile input', () => {
    for (const src of ['\\', '`', '\n\n\\\n', 'RUN [' + '['.repeat(20000), 'ENV ' + '"'.repeat(999), 'RUN <<' + '<'.repeat(50), '\u0000\ud800', 'FROM ${'.repeat(3000)]) {
      assert.doesNotThrow(() => parse(src));
    }
  });
});
