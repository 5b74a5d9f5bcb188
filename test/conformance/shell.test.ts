import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { envFromList, processWord, processWords } from '../../src/runtime/build/dockerfile/shell';
import { readText, vectorsDir } from './vectors';

const shellDir = path.join(vectorsDir(), 'shell');

describe('BuildKit shell lexer vectors: envVarTest (ProcessWord)', () => {
  const env = envFromList(['PWD=/home', 'SHELL=bash', 'KOREAN=한국어', 'NULL=']);
  const lines = readText(path.join(shellDir, 'envVarTest')).split('\n');
  let count = 0;
  lines.forEach((line, i) => {
    if (line.startsWith('#') || line.trim() === '') return;
    const fields = line.split('|');
    assert.equal(fields.length, 3, `envVarTest:${i + 1} must have 3 fields`);
    const [platform, input, expected] = fields.map((f) => f.trim());
    if (platform === 'W') {
      it(`envVarTest:${i + 1} ${input}`, { skip: 'Windows-only vector (case-insensitive variable names); Berth builds Linux images' }, () => {});
      return;
    }
    count++;
    it(`envVarTest:${i + 1} ${input} -> ${expected}`, () => {
      const r = processWord(input, env);
      if (expected === 'error') {
        assert.ok(r.error, `expected an error, got ${JSON.stringify(r.value)}`);
      } else {
        assert.equal(r.error, undefined, `unexpected error ${r.error?.message}`);
        assert.equal(r.value, expected);
      }
    });
  });
  it('runs every non-Windows vector', () => assert.equal(count, 228));
});

describe('BuildKit shell lexer vectors: wordsTest (ProcessWords)', () => {
  const envs: string[] = [];
  const lines = readText(path.join(shellDir, 'wordsTest')).split('\n');
  lines.forEach((line, i) => {
    if (line.startsWith('#') || line.trim() === '') return;
    if (line.startsWith('ENV ')) {
      envs.push(line.slice(4));
      return;
    }
    const fields = line.split('|');
    assert.equal(fields.length, 2, `wordsTest:${i + 1} must have 2 fields`);
    const input = fields[0].trim();
    const expected = fields[1].replace(/^ +/, '').split(',');
    const env = envFromList([...envs]);
    it(`wordsTest:${i + 1} ${input}`, () => {
      const r = processWords(input, env);
      if (expected.length === 1 && expected[0] === 'error') {
        assert.ok(r.error, `expected an error, got ${JSON.stringify(r.words)}`);
      } else {
        assert.equal(r.error, undefined, `unexpected error ${r.error?.message}`);
        assert.deepEqual(r.words, expected);
      }
    });
  });
});
