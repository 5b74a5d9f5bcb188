import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fakeEngine, runBerth } from '../fake-engine';

describe('berth lint', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'berth-lint-'));
    mkdirSync(file('src'));
    writeFileSync(file('src/app.js'), '');
    writeFileSync(file('secret.env'), '');
    writeFileSync(file('.dockerignore'), '*.env\n');
    writeFileSync(file('Dockerfile'), 'FROM alpine:3 AS Build\nCOPY src/*.js missing.txt secret.env /app/\nCMD node app.js\n');
    writeFileSync(file('clean.Dockerfile'), 'FROM alpine:3\nCMD ["true"]\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints each finding with its rule, the line and a caret, and fails on errors', async () => {
    const out = await runBerth(['lint', file('Dockerfile')], fakeEngine());
    assert.equal(out.code, 1);
    assert.match(out.stdout, /Dockerfile:1:18: warning StageNameCasing: Stage name 'Build' should be lowercase\n1 \| FROM alpine:3 AS Build\n {2}\| {18}\^{5}\n {2}https:\/\/docs\.docker\.com\/go\/dockerfile\/rule\/stage-name-casing\//);
    assert.match(out.stdout, /error CopySourceMissing: COPY source "missing.txt" matches nothing in the build context/);
    assert.match(out.stdout, /warning CopyIgnoredFile: Attempting to Copy file "secret.env" that is excluded by .dockerignore/);
    assert.match(out.stdout, /information BaseImageNotLocal: Image alpine:3 is not in the local store/);
    assert.doesNotMatch(out.stdout, /src\/\*\.js" matches nothing/);
    assert.match(out.stderr, /1 error, 3 warning, 1 information/);
  });

  it('sets the exit code by --severity-threshold', async () => {
    const clean = file('clean.Dockerfile');
    assert.equal((await runBerth(['lint', clean], fakeEngine())).code, 0);
    assert.equal((await runBerth(['lint', '--severity-threshold', 'info', clean], fakeEngine())).code, 1, 'the base image is not local');
    assert.equal((await runBerth(['lint', '--severity-threshold', 'off', file('Dockerfile')], fakeEngine())).code, 0);
  });

  it('knows the local store through the engine', async () => {
    const engine = fakeEngine({ images: [{ id: 'sha256:' + 'a'.repeat(64), repoTags: ['alpine:3'], size: 1 }] });
    const out = await runBerth(['lint', '--format', 'json', file('clean.Dockerfile')], engine);
    assert.deepEqual(JSON.parse(out.stdout), []);
  });

  it('writes JSON and SARIF', async () => {
    const json = JSON.parse((await runBerth(['lint', '--format', 'json', file('Dockerfile')], fakeEngine())).stdout);
    assert.deepEqual(json[0].range, { start: { line: 0, character: 5 }, end: { line: 0, character: 13 } });
    assert.equal(json[0].code, 'BaseImageNotLocal');
    const sarif = JSON.parse((await runBerth(['lint', '--format', 'sarif', file('Dockerfile')], fakeEngine())).stdout);
    assert.equal(sarif.version, '2.1.0');
    const result = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'StageNameCasing');
    assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 1, startColumn: 18, endLine: 1, endColumn: 23 });
    assert.equal(sarif.runs[0].tool.driver.rules[result.ruleIndex].id, 'StageNameCasing');
  });

  it('reads stdin, takes --rule overrides and build args', async () => {
    const out = await runBerth(['lint', '--rule', 'StageNameCasing=error', '--rule', 'jsonargsrecommended=off', '--build-arg', 'V=3', '--format', 'json', '-'], fakeEngine(), {
      input: 'ARG V\nFROM alpine:$V AS X\nCMD a b\n',
    });
    assert.deepEqual(JSON.parse(out.stdout).map((d: { code: string; severity: string }) => `${d.code}:${d.severity}`), ['InvalidDefaultArgInFrom:warning', 'BaseImageNotLocal:information', 'StageNameCasing:error']);
    assert.equal(out.code, 1);
  });

  it('explains a rule and refuses unknown ones', async () => {
    const out = await runBerth(['lint', '--explain', 'UndefinedVar'], fakeEngine());
    assert.match(out.stdout, /^UndefinedVar \(buildkit, warning\)\nVariables should be defined before their use/);
    assert.match((await runBerth(['lint', '--explain', 'list'], fakeEngine())).stdout, /SudoUsed/);
    assert.equal((await runBerth(['lint', '--rule', 'Nope=off', file('Dockerfile')], fakeEngine())).code, 125);
  });
});
