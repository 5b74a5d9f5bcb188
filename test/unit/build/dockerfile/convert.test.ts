import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { toInstruction } from '../../../../src/runtime/build/dockerfile/convert';
import type { Diagnostic } from '../../../../src/runtime/build/dockerfile/diagnostics';
import type { Instruction } from '../../../../src/runtime/build/dockerfile/instructions';
import { parse } from '../../../../src/runtime/build/dockerfile/parser';

function one(src: string): { instruction: Instruction | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const instruction = toInstruction(parse(src).nodes[0], diagnostics);
  return { instruction, diagnostics };
}

function ok<K extends Instruction['kind']>(src: string, kind: K): Extract<Instruction, { kind: K }> {
  const { instruction, diagnostics } = one(src);
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal(instruction?.kind, kind);
  return instruction as Extract<Instruction, { kind: K }>;
}

function fails(src: string, code: string): Diagnostic {
  const { instruction, diagnostics } = one(src);
  assert.equal(instruction, undefined);
  const d = diagnostics.find((x) => x.code === code);
  assert.ok(d, `expected ${code}, got ${diagnostics.map((x) => x.code).join(', ')}`);
  return d;
}

describe('toInstruction: FROM', () => {
  it('reads image, --platform and a lowercased stage name', () => {
    const f = ok('FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\n', 'from');
    assert.equal(f.image.value, 'golang:1.22');
    assert.equal(f.platform?.value, '$BUILDPLATFORM');
    assert.equal(f.name?.value, 'build');
  });

  it('refuses bad stage names, wrong argument counts and unknown flags', () => {
    fails('FROM a AS 1st\n', 'invalid-stage-name');
    fails('FROM a b\n', 'argument-count');
    fails('FROM --plat=x a\n', 'unknown-flag');
  });
});

describe('toInstruction: RUN', () => {
  it('reads mounts, network, security and devices', () => {
    const run = ok(
      'RUN --mount=type=cache,target=/c,sharing=locked --mount=type=secret,id=tok,required --network=none --security=insecure --device=/dev/fuse,required echo\n',
      'run',
    );
    assert.deepEqual(run.mounts.map((m) => m.mount), [
      { type: 'cache', target: '/c', cacheSharing: 'locked', readOnly: false, sizeLimit: 0, required: false },
      { type: 'secret', cacheId: 'tok', required: true, readOnly: true, sizeLimit: 0 },
    ]);
    assert.equal(run.network, 'none');
    assert.equal(run.security, 'insecure');
    assert.deepEqual(run.devices, [{ name: '/dev/fuse', required: true }]);
    assert.deepEqual(run.command.args.map((a) => a.value), ['echo']);
    assert.equal(run.command.prependShell, true);
  });

  it('leaves a mount that uses variables for the stage model', () => {
    assert.equal(ok('RUN --mount=type=$T,size=1x true\n', 'run').mounts[0].mount, undefined);
  });

  it('reports bad mount, network and security values at the value', () => {
    const d = fails('RUN --mount=type=tmpfs,mode=0755 x\n', 'invalid-mount');
    assert.equal(d.message, 'mode not allowed for "tmpfs" type mounts');
    assert.equal(d.range.start.character, 12);
    fails('RUN --mount=type=bind,from=$X x\n', 'invalid-mount');
    fails('RUN --mount=type=secret x\n', 'invalid-mount');
    fails('RUN --network=bridge x\n', 'invalid-network');
    fails('RUN --security=root x\n', 'invalid-security');
    fails('RUN --network=none --network=host x\n', 'duplicate-flag');
  });

  it('turns heredocs into inline files', () => {
    const run = ok('RUN <<EOF\necho hi\nEOF\n', 'run');
    assert.deepEqual(run.command.files.map((f) => [f.name, f.data, f.expand]), [['EOF', 'echo hi\n', true]]);
  });
});

describe('toInstruction: COPY and ADD', () => {
  it('reads COPY flags, sources, heredoc contents and destination', () => {
    const c = ok('COPY --from=build --chown=1:1 --chmod=755 --link --parents --exclude=*.md --exclude=.git a <<-EOF /dst/\n\tx\nEOF\n', 'copy');
    assert.deepEqual([c.from?.value, c.chown?.value, c.chmod?.value, c.link, c.parents], ['build', '1:1', '755', true, true]);
    assert.deepEqual(c.exclude.map((f) => f.value), ['*.md', '.git']);
    assert.deepEqual(c.sources.map((s) => s.value), ['a']);
    assert.deepEqual(c.contents.map((f) => [f.name, f.data]), [['EOF', 'x\n']]);
    assert.equal(c.destination.value, '/dst/');
  });

  it('reads ADD flags, with keep-git-dir and unpack left undefined when absent', () => {
    const a = ok('ADD --checksum=sha256:abc --keep-git-dir=false --link=FALSE https://x/y.tar /y\n', 'add');
    assert.deepEqual([a.checksum?.value, a.keepGitDir, a.unpack, a.link], ['sha256:abc', false, undefined, false]);
    assert.equal(ok('ADD --unpack x.tar /\n', 'add').unpack, true);
  });

  it('refuses a missing destination, a heredoc destination, COPY-only flags on ADD and bad booleans', () => {
    fails('COPY a\n', 'argument-count');
    fails('COPY a <<EOF\nx\nEOF\n', 'heredoc-as-destination');
    fails('ADD --from=x a b\n', 'unknown-flag');
    fails('COPY --link=maybe a b\n', 'flag-syntax');
    fails('COPY --link= a b\n', 'flag-syntax');
    fails('COPY --from a b\n', 'flag-syntax');
  });
});

describe('toInstruction: the other instructions', () => {
  it('ENV, LABEL and ARG keep values as written', () => {
    const env = ok('ENV A="x y" B=2\n', 'env');
    assert.deepEqual(env.pairs.map((p) => [p.key.value, p.value.value, p.legacy]), [['A', '"x y"', false], ['B', '2', false]]);
    assert.equal(ok('ENV A b c\n', 'env').pairs[0].legacy, true);
    const arg = ok('ARG A B="x y"\n', 'arg');
    assert.deepEqual(arg.args.map((a) => [a.name.value, a.value?.value]), [['A', undefined], ['B', '"x y"']]);
    assert.deepEqual(arg.args[1].value?.range, { start: { line: 0, character: 8 }, end: { line: 0, character: 13 } });
    fails('ARG =x\n', 'blank-name');
    fails('ENV\n', 'argument-count');
  });

  it('one-word instructions need exactly one argument', () => {
    assert.equal(ok('WORKDIR /app\n', 'workdir').path.value, '/app');
    assert.equal(ok('USER me:grp\n', 'user').user.value, 'me:grp');
    assert.equal(ok('MAINTAINER Jo <jo@x>\n', 'maintainer').maintainer.value, 'Jo <jo@x>');
    assert.equal(ok('STOPSIGNAL SIGTERM\n', 'stopsignal').signal.value, 'SIGTERM');
    fails('WORKDIR\n', 'argument-count');
  });

  it('STOPSIGNAL accepts flags BuildKit never reads, with a warning', () => {
    const { instruction, diagnostics } = one('STOPSIGNAL --x 9\n');
    assert.equal(instruction?.kind, 'stopsignal');
    assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), [['unknown-flag', 'warning']]);
  });

  it('EXPOSE, VOLUME and SHELL', () => {
    assert.deepEqual(ok('EXPOSE 80 53/udp\n', 'expose').ports.map((p) => p.value), ['80', '53/udp']);
    assert.deepEqual(ok('VOLUME ["/a", " /b "]\n', 'volume').paths.map((p) => p.value), ['/a', '/b']);
    fails('VOLUME [" "]\n', 'empty-volume');
    assert.deepEqual(ok('SHELL ["bash", "-c"]\n', 'shell').shell.map((s) => s.value), ['bash', '-c']);
    fails('SHELL bash -c\n', 'shell-not-json');
  });

  it('HEALTHCHECK reads type, command and options in nanoseconds', () => {
    const h = ok('HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --start-interval=1.5s --retries=3 CMD curl -f x\n', 'healthcheck');
    assert.deepEqual(h.test, ['CMD-SHELL', 'curl -f x']);
    assert.deepEqual([h.interval, h.timeout, h.startPeriod, h.startInterval, h.retries], [90e9, 5e8, 2e9, 1.5e9, 3]);
    assert.deepEqual(ok('HEALTHCHECK CMD ["true"]\n', 'healthcheck').test, ['CMD', 'true']);
    assert.deepEqual(ok('HEALTHCHECK NONE\n', 'healthcheck').test, ['NONE']);
    fails('HEALTHCHECK NONE x\n', 'invalid-healthcheck');
    fails('HEALTHCHECK CONNECT x\n', 'invalid-healthcheck');
    fails('HEALTHCHECK CMD\n', 'invalid-healthcheck');
    fails('HEALTHCHECK --interval=10us CMD x\n', 'invalid-healthcheck');
    fails('HEALTHCHECK --interval=5 CMD x\n', 'invalid-healthcheck');
    fails('HEALTHCHECK --retries=-1 CMD x\n', 'invalid-healthcheck');
  });

  it('ONBUILD types its trigger and refuses ONBUILD, FROM and MAINTAINER triggers', () => {
    const o = ok('ONBUILD COPY <<EOF /x\nhi\nEOF\n', 'onbuild');
    assert.equal(o.trigger?.kind, 'copy');
    assert.equal(o.expression, 'COPY <<EOF /x\nhi\nEOF');
    fails('ONBUILD ONBUILD RUN x\n', 'invalid-onbuild');
    fails('ONBUILD FROM x\n', 'invalid-onbuild');
    const { instruction, diagnostics } = one('ONBUILD RUN --bad x\n');
    assert.equal(instruction?.kind, 'onbuild');
    assert.deepEqual(diagnostics.map((d) => d.severity), ['warning']);
  });

  it('suggests the instruction meant by an unknown keyword', () => {
    assert.equal(fails('COPPY a b\n', 'unknown-instruction').message, 'unknown instruction: COPPY (did you mean COPY?)');
    assert.equal(fails('FOO a\n', 'unknown-instruction').message, 'unknown instruction: FOO');
  });
});
