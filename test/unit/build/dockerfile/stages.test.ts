import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildModel, Scope } from '../../../../src/runtime/build/dockerfile/stages';
import type { Instruction } from '../../../../src/runtime/build/dockerfile/instructions';

function expanded<K extends Instruction['kind']>(i: Instruction | undefined, kind: K): Extract<Instruction, { kind: K }> {
  assert.equal(i?.kind, kind);
  return i as Extract<Instruction, { kind: K }>;
}

describe('buildModel: stages', () => {
  it('groups instructions by FROM, with names and bases', () => {
    const m = buildModel('FROM alpine AS base\nRUN a\nFROM base\nRUN b\nFROM Base AS final\n');
    assert.deepEqual(m.stages.map((s) => [s.index, s.name, s.base, s.baseStage, s.steps.length]), [
      [0, 'base', 'alpine', undefined, 1],
      [1, undefined, 'base', 0, 1],
      [2, 'final', 'Base', 0, 0],
    ]);
  });

  it('reports duplicate stage names and instructions before FROM', () => {
    const m = buildModel('RUN x\nFROM a AS s\nFROM b AS S\n');
    assert.deepEqual(m.diagnostics.map((d) => d.code), ['instruction-before-from', 'duplicate-stage-name']);
  });
});

describe('buildModel: variables', () => {
  it('expands FROM with global args, and --build-arg wins over defaults', () => {
    const src = 'ARG REG=docker.io\nARG TAG=1\nARG IMAGE=$REG/lib:$TAG\nFROM --platform=$TARGETPLATFORM ${IMAGE}\n';
    const m = buildModel(src, { buildArgs: { TAG: '2' }, defaultArgs: { TARGETPLATFORM: 'linux/arm64' } });
    assert.equal(m.stages[0].base, 'docker.io/lib:2');
    assert.equal(m.stages[0].platform, 'linux/arm64');
    assert.equal(m.globalArgs.length, 3);
    assert.equal(m.globalScope.get('IMAGE'), 'docker.io/lib:2');
  });

  it('shows a global arg inside a stage only where the stage declares it', () => {
    const m = buildModel('ARG V=1\nFROM a\nRUN x\nARG V\nWORKDIR /$V\n');
    const [run, , workdir] = m.stages[0].steps;
    assert.equal(run.scope.get('V'), undefined);
    assert.equal(expanded(workdir.expanded, 'workdir').path.value, '/1');
  });

  it('expands every ENV pair with the scope before the ENV', () => {
    const m = buildModel('FROM a\nENV A=1\nENV A=2 B=$A\nUSER $B\n');
    assert.equal(expanded(m.stages[0].steps[2].expanded, 'user').user.value, '1');
    assert.deepEqual(m.stages[0].scope.entries(), [['A', '2'], ['B', '1']]);
  });

  it('starts from the base image environment, or the base stage variables', () => {
    const m = buildModel('FROM img AS one\nENV X=$HOME/x\nFROM one\nWORKDIR $X\n', { imageEnv: (ref) => (ref === 'img' ? ['HOME=/root'] : undefined) });
    assert.equal(expanded(m.stages[1].steps[0].expanded, 'workdir').path.value, '/root/x');
  });

  it('expands COPY sources, destination, flags and unquoted heredocs; not RUN commands', () => {
    const m = buildModel("FROM a\nARG U=1 D=/d\nCOPY --chown=$U <<EOF <<'RAW' src/$U $D/\nu=$U \"q\"\nEOF\nu=$U\nRAW\nRUN echo $U\n");
    const copy = expanded(m.stages[0].steps[1].expanded, 'copy');
    assert.equal(copy.chown?.value, '1');
    assert.deepEqual(copy.sources.map((s) => s.value), ['src/1']);
    assert.equal(copy.destination.value, '/d/');
    assert.deepEqual(copy.contents.map((f) => f.data), ['u=1 "q"\n', 'u=$U\n']);
    assert.equal(expanded(m.stages[0].steps[2].expanded, 'run').command.args[0].value, 'echo $U');
  });

  it('splits EXPOSE and expands RUN --mount values', () => {
    const m = buildModel('FROM a\nENV P="80 443" T=cache\nEXPOSE $P\nRUN --mount=type=$T,target=/c x\n');
    assert.deepEqual(expanded(m.stages[0].steps[1].expanded, 'expose').ports.map((p) => p.value), ['80', '443']);
    assert.equal(expanded(m.stages[0].steps[2].expanded, 'run').mounts[0].mount?.type, 'cache');
  });

  it('reports bad substitutions and variables in COPY --from', () => {
    const m = buildModel('FROM a\nWORKDIR ${X:?must be set}\nCOPY --from=$S a b\n');
    assert.deepEqual(m.diagnostics.map((d) => [d.code, d.message.split(',')[0]]), [
      ['variable-expansion', 'X: must be set'],
      ['variable-expansion', 'variable expansion is not supported for --from'],
    ]);
    assert.equal(m.stages[0].steps[0].expanded, undefined);
  });
});

describe('Scope', () => {
  it('keeps every earlier scope unchanged', () => {
    const a = Scope.fromList(['A=1', 'B']);
    const b = a.with('A', '2');
    assert.deepEqual([a.get('A'), b.get('A'), b.get('B'), b.get('C')], ['1', '2', '', undefined]);
  });
});
