import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parse } from '../../src/runtime/build/dockerfile/parser';
import { hasErrors } from '../../src/runtime/build/dockerfile/diagnostics';
import { dump } from './dump';
import { listDirs, readText, vectorsDir } from './vectors';

const parserDir = path.join(vectorsDir(), 'parser');

describe('BuildKit parser vectors: testfiles (AST dump)', () => {
  const cases = listDirs(path.join(parserDir, 'testfiles'));
  it('finds all 33 cases', () => assert.equal(cases.length, 33));
  for (const name of cases) {
    it(name, () => {
      const dir = path.join(parserDir, 'testfiles', name);
      const result = parse(readText(path.join(dir, 'Dockerfile')));
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors, [], 'no errors');
      assert.equal(dump(result.nodes), readText(path.join(dir, 'result')));
    });
  }
});

describe('BuildKit parser vectors: testfiles-negative (rejected)', () => {
  const cases = listDirs(path.join(parserDir, 'testfiles-negative'));
  it('finds all 4 cases', () => assert.equal(cases.length, 4));
  for (const name of cases) {
    it(name, () => {
      const result = parse(readText(path.join(parserDir, 'testfiles-negative', name, 'Dockerfile')));
      assert.ok(hasErrors(result.diagnostics), 'an error diagnostic');
    });
  }
});

describe('BuildKit parser vectors: testfile-line (line numbers)', () => {
  it('reports each instruction from its first to its last line', () => {
    const result = parse(readText(path.join(parserDir, 'testfile-line', 'Dockerfile')));
    const lines = result.nodes.map((n) => [n.range.start.line + 1, n.range.end.line + 1]);
    assert.deepEqual(lines, [
      [5, 5],
      [11, 12],
      [17, 31],
    ]);
  });
});
