import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parse } from '../../src/runtime/build/dockerfile/parser';
import { dump } from './dump';
import { listDirs, ownVectorsDir, readText } from './vectors';

interface Expected {
  dump: string;
  heredocs: { name: string; fileDescriptor: number; expand: boolean; chomp: boolean; content: string }[][];
  lines: [number, number][];
  errors: string[];
}

const dir = ownVectorsDir('heredoc');

describe('Heredoc vectors', () => {
  const cases = listDirs(dir);
  it('finds the cases', () => assert.ok(cases.length >= 10));
  for (const name of cases) {
    it(name, () => {
      const expected = JSON.parse(readText(path.join(dir, name, 'expected.json'))) as Expected;
      const result = parse(readText(path.join(dir, name, 'Dockerfile')));
      assert.equal(dump(result.nodes), expected.dump);
      const heredocs = result.nodes.map((n) =>
        n.heredocs.map(({ name: hName, fileDescriptor, expand, chomp, content }) => ({ name: hName, fileDescriptor, expand, chomp, content })),
      );
      assert.deepEqual(heredocs, expected.heredocs);
      assert.deepEqual(
        result.nodes.map((n) => [n.range.start.line + 1, n.range.end.line + 1]),
        expected.lines,
      );
      assert.deepEqual(
        result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
        expected.errors,
      );
    });
  }
});
