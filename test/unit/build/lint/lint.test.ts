import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { allRules, lint, ruleByCode } from '../../../../src/runtime/build/lint/lint';

const codes = async (text: string, options = {}) => (await lint(text, options)).diagnostics.map((d) => `${d.code}:${d.severity}`);

describe('lint', () => {
  it('has all 22 BuildKit checks, each documented', () => {
    const buildkit = allRules.filter((r) => r.origin === 'buildkit');
    assert.equal(buildkit.length, 22);
    for (const r of allRules) {
      assert.ok(r.description && r.explanation, `${r.code} is documented`);
      if (r.origin === 'buildkit' || r.hadolint) assert.match(r.url ?? '', /^https:\/\//, `${r.code} has a URL`);
    }
    assert.equal(new Set(allRules.map((r) => r.code)).size, allRules.length, 'codes are unique');
  });

  it('reports syntax errors under the parser codes, sorted by position', async () => {
    const list = (await lint('FROM alpine:3\nFOO bar\nCOPY --nope a /b\n')).diagnostics;
    assert.deepEqual(list.map((d) => d.code), ['unknown-instruction', 'unknown-flag']);
  });

  it('honours # check=skip and error=true', async () => {
    const text = '# check=skip=StageNameCasing;error=true\nFROM alpine:3 AS Base\nMAINTAINER me\n';
    assert.deepEqual(await codes(text), ['MaintainerDeprecated:error']);
    assert.deepEqual(await codes('# check=skip=all\nFROM alpine AS Base\n'), []);
  });

  it('lets the caller override or turn off a severity', async () => {
    const text = 'FROM alpine:3 AS Base\nMAINTAINER me\n';
    assert.deepEqual(await codes(text, { severities: { StageNameCasing: 'error', MaintainerDeprecated: 'off' } }), ['StageNameCasing:error']);
  });

  it('drops findings with a # berth-ignore comment above the instruction, or file-wide', async () => {
    const text = 'FROM alpine:3 AS Base\n# berth-ignore: MaintainerDeprecated\nMAINTAINER me\n';
    assert.deepEqual(await codes(text), ['StageNameCasing:warning']);
    assert.deepEqual(await codes(`# berth-ignore-file: stagenamecasing\n${text}`), []);
    assert.deepEqual(await codes('FROM alpine:3 AS Base\n# berth-ignore: MaintainerDeprecated\n\nMAINTAINER me\n'), ['StageNameCasing:warning', 'MaintainerDeprecated:warning'], 'a blank line ends the comment block');
  });

  it('survives a port that fails', async () => {
    const failing = { images: { image: async () => Promise.reject(new Error('locked')), tags: async () => Promise.reject(new Error('locked')) } };
    const list = (await lint('FROM alpine\n', { port: failing })).diagnostics.map((d) => d.code);
    assert.ok(list.includes('BaseImageUntagged'));
  });

  it('finds rules by code case-insensitively', () => {
    assert.equal(ruleByCode('undefinedvar')?.code, 'UndefinedVar');
    assert.equal(ruleByCode('nope'), undefined);
  });
});
