import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { applyFix, findings, spans } from './lint-helpers';

describe('BuildKit checks', () => {
  it('StageNameCasing: flags an uppercase stage name and lowercases it', async () => {
    const text = 'FROM alpine AS Builder\nRUN true\n';
    const [d, ...rest] = await findings(text, 'StageNameCasing');
    assert.equal(rest.length, 0);
    assert.equal(d.message, "Stage name 'Builder' should be lowercase");
    assert.deepEqual(spans([d]), ['0:15-0:22']);
    assert.equal(applyFix(text, d), 'FROM alpine AS builder\nRUN true\n');
    assert.equal((await findings('FROM alpine AS builder\n', 'StageNameCasing')).length, 0);
  });

  it("FromAsCasing: 'as' must follow FROM's case", async () => {
    const text = 'FROM alpine as build\n';
    const [d] = await findings(text, 'FromAsCasing');
    assert.equal(d.message, "'as' and 'FROM' keywords' casing do not match");
    assert.equal(applyFix(text, d), 'FROM alpine AS build\n');
    assert.equal((await findings('from alpine as build\n', 'FromAsCasing')).length, 0);
    assert.equal((await findings('from alpine AS build\n', 'FromAsCasing')).length, 1);
  });

  it('NoEmptyContinuation: reports the empty line and removes it', async () => {
    const text = 'FROM alpine\nRUN echo a \\\n\n  b\n';
    const [d] = await findings(text, 'NoEmptyContinuation');
    assert.equal(d.message, 'Empty continuation line');
    assert.equal(d.range.start.line, 2);
    assert.equal(applyFix(text, d), 'FROM alpine\nRUN echo a \\\n  b\n');
  });

  it('ConsistentInstructionCasing: the majority casing wins', async () => {
    const text = 'FROM alpine\nrun true\nRUN false\nCmd x\n';
    const list = await findings(text, 'ConsistentInstructionCasing');
    assert.deepEqual(list.map((d) => d.message), ["Command 'run' should match the case of the command majority (uppercase)", "Command 'Cmd' should match the case of the command majority (uppercase)"]);
    assert.deepEqual(spans(list), ['1:0-1:3', '3:0-3:3']);
    assert.equal(applyFix(text, list[0]), 'FROM alpine\nRUN true\nRUN false\nCmd x\n');
  });

  it('DuplicateStageName: the second use of a name', async () => {
    const list = await findings('FROM alpine AS a\nFROM alpine AS a\n', 'DuplicateStageName');
    assert.deepEqual(list.map((d) => d.message), ['Duplicate stage name "a", stage names should be unique']);
    assert.deepEqual(spans(list), ['1:15-1:16']);
  });

  it('ReservedStageName: scratch and context', async () => {
    assert.equal((await findings('FROM alpine AS scratch\n', 'ReservedStageName'))[0].message, 'Stage name should not use the same name as reserved stage "scratch"');
    assert.equal((await findings('FROM alpine AS context\n', 'ReservedStageName')).length, 1);
  });

  it('JSONArgsRecommended: shell-form CMD/ENTRYPOINT, with an exec-form fix; not after SHELL', async () => {
    const text = 'FROM alpine\nCMD my-program start\n';
    const [d] = await findings(text, 'JSONArgsRecommended');
    assert.equal(d.message, 'JSON arguments recommended for CMD to prevent unintended behavior related to OS signals');
    assert.equal(applyFix(text, d), 'FROM alpine\nCMD ["my-program", "start"]\n');
    const piped = await findings('FROM alpine\nENTRYPOINT a | b\n', 'JSONArgsRecommended');
    assert.equal(piped[0].fixes.length, 0, 'no mechanical fix for shell syntax');
    assert.equal((await findings('FROM alpine\nSHELL ["/bin/bash", "-c"]\nCMD a b\n', 'JSONArgsRecommended')).length, 0);
    assert.equal((await findings('FROM alpine\nCMD ["a"]\n', 'JSONArgsRecommended')).length, 0);
  });

  it('MaintainerDeprecated: replaced by a label', async () => {
    const text = 'FROM alpine\nMAINTAINER Jo <jo@example.com>\n';
    const [d] = await findings(text, 'MaintainerDeprecated');
    assert.equal(d.message, 'Maintainer instruction is deprecated in favor of using label');
    assert.equal(applyFix(text, d), 'FROM alpine\nLABEL org.opencontainers.image.authors="Jo <jo@example.com>"\n');
  });

  it('UndefinedArgInFrom: undeclared global args, with a suggestion; platform args are predefined', async () => {
    const list = await findings('ARG VERSION=1\nFROM alpine:${VERSON}\nFROM --platform=$BUILDPLATFORM alpine\n', 'UndefinedArgInFrom');
    assert.deepEqual(list.map((d) => d.message), ["FROM argument 'VERSON' is not declared (did you mean VERSION?)"]);
    assert.deepEqual(spans(list), ['1:12-1:20']);
    assert.equal((await findings('ARG TAG\nFROM alpine:$TAG\n', 'UndefinedArgInFrom')).length, 0);
  });

  it('WorkdirRelativePath: only before an absolute WORKDIR, base stages counted', async () => {
    const list = await findings('FROM alpine AS a\nWORKDIR app\nWORKDIR /x\nWORKDIR y\nFROM a\nWORKDIR z\n', 'WorkdirRelativePath');
    assert.deepEqual(list.map((d) => d.message), ['Relative workdir "app" can have unexpected results if the base image changes']);
  });

  it('UndefinedVar: typos, stage-local globals, defaults and declared args', async () => {
    const text = 'ARG G=1\nFROM alpine\nENV FOO=1\nCOPY $FOOO /x\nCOPY $G /y\nARG D\nCOPY ${D} ${NONE:-x} $PATH /z\n';
    const list = await findings(text, 'UndefinedVar');
    assert.deepEqual(list.map((d) => d.message), ["Usage of undefined variable '$FOOO' (did you mean $FOO?)", "Usage of undefined variable '$G'"]);
    assert.deepEqual(spans(list), ['3:5-3:10', '4:5-4:7']);
    assert.equal((await findings('FROM alpine\nRUN echo $NOPE\n', 'UndefinedVar')).length, 0, 'RUN is expanded by the shell');
  });

  it('UndefinedVar: the base image environment counts when the store knows it', async () => {
    const image = { id: 'sha256:1', platform: 'linux/amd64', env: ['JAVA_HOME=/opt/java'], size: 0, created: undefined, layers: 1, tags: [] };
    const port = { images: { image: async () => image, tags: async () => [] } };
    assert.equal((await findings('FROM jdk:21\nWORKDIR $JAVA_HOME\n', 'UndefinedVar', { port })).length, 0);
    assert.equal((await findings('FROM jdk:21\nWORKDIR $JAVA_HOME\n', 'UndefinedVar')).length, 1);
  });

  it('MultipleInstructionsDisallowed: all but the last CMD, ENTRYPOINT, HEALTHCHECK of a stage', async () => {
    const list = await findings('FROM a\nCMD ["x"]\nCMD ["y"]\nFROM b\nCMD ["z"]\nHEALTHCHECK NONE\nHEALTHCHECK NONE\n', 'MultipleInstructionsDisallowed');
    assert.deepEqual(list.map((d) => d.range.start.line), [1, 5]);
    assert.equal(list[0].message, 'Multiple CMD instructions should not be used in the same stage because only the last one will be used');
  });

  it('LegacyKeyValueFormat: ENV and LABEL with a space separator, fixed to key=value', async () => {
    const text = 'FROM a\nENV PATH_X /usr/local bin\nLABEL k v\nENV ok=1\n';
    const list = await findings(text, 'LegacyKeyValueFormat');
    assert.deepEqual(list.map((d) => d.message), ['"ENV key=value" should be used instead of legacy "ENV key value" format', '"LABEL key=value" should be used instead of legacy "LABEL key value" format']);
    assert.equal(applyFix(text, list[0]), 'FROM a\nENV PATH_X="/usr/local bin"\nLABEL k v\nENV ok=1\n');
  });

  it('InvalidBaseImagePlatform: the local image is for another platform', async () => {
    const image = { id: 'sha256:1', platform: 'linux/arm64', env: [], size: 0, created: undefined, layers: 1, tags: [] };
    const port = { images: { image: async () => image, tags: async () => [] } };
    const [d] = await findings('FROM alpine:3\n', 'InvalidBaseImagePlatform', { port, platform: 'linux/amd64' });
    assert.equal(d.message, 'Base image alpine:3 was pulled with platform "linux/arm64", expected "linux/amd64" for current build');
    assert.equal((await findings('FROM --platform=linux/arm64 alpine:3 AS arm64\n', 'InvalidBaseImagePlatform', { port, platform: 'linux/amd64' })).length, 0);
  });

  it('RedundantTargetPlatform: --platform=$TARGETPLATFORM, removable', async () => {
    const text = 'FROM --platform=$TARGETPLATFORM alpine\n';
    const [d] = await findings(text, 'RedundantTargetPlatform');
    assert.equal(d.message, 'Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior');
    assert.equal(applyFix(text, d), 'FROM alpine\n');
  });

  it('SecretsUsedInArgOrEnv: secret-looking keys, public ones allowed', async () => {
    const list = await findings('FROM a\nARG AWS_SECRET_ACCESS_KEY\nENV passwd=x GITHUB_TOKEN=y PUBLIC_KEY=z KEYBOARD=q\n', 'SecretsUsedInArgOrEnv');
    assert.deepEqual(list.map((d) => d.message), [
      'Do not use ARG or ENV instructions for sensitive data (ARG "AWS_SECRET_ACCESS_KEY")',
      'Do not use ARG or ENV instructions for sensitive data (ENV "passwd")',
      'Do not use ARG or ENV instructions for sensitive data (ENV "GITHUB_TOKEN")',
    ]);
  });

  it('InvalidDefaultArgInFrom: defaults that leave an empty or broken image name', async () => {
    const [d] = await findings('ARG TAG\nFROM busybox:${TAG}\n', 'InvalidDefaultArgInFrom');
    assert.equal(d.message, 'Default value for ARG busybox:${TAG} results in empty or invalid base image name');
    assert.equal((await findings('ARG IMAGE\nFROM $IMAGE\n', 'InvalidDefaultArgInFrom')).length, 1);
    assert.equal((await findings('ARG TAG=3.20\nFROM alpine:${TAG}\n', 'InvalidDefaultArgInFrom')).length, 0);
  });

  it('FromPlatformFlagConstDisallowed: constants, unless the stage is named for the platform', async () => {
    const [d] = await findings('FROM --platform=linux/amd64 alpine AS base\n', 'FromPlatformFlagConstDisallowed');
    assert.equal(d.message, 'FROM --platform flag should not use constant value "linux/amd64"');
    assert.equal((await findings('FROM --platform=linux/amd64 alpine AS build_amd64\n', 'FromPlatformFlagConstDisallowed')).length, 0);
    assert.equal((await findings('FROM --platform=$BUILDPLATFORM alpine\n', 'FromPlatformFlagConstDisallowed')).length, 0);
  });

  it('CopyIgnoredFile: sources .dockerignore excludes', async () => {
    const context = { exists: async () => true, ignored: async (p: string) => p === 'secret.txt' };
    const [d, ...rest] = await findings('FROM a\nCOPY secret.txt app.js /app/\nCOPY --from=b secret.txt /x\n', 'CopyIgnoredFile', { port: { context } });
    assert.equal(rest.length, 0);
    assert.equal(d.message, 'Attempting to Copy file "secret.txt" that is excluded by .dockerignore');
    assert.deepEqual(spans([d]), ['1:5-1:15']);
  });

  it('InvalidDefinitionDescription: a comment right above a stage or ARG must start with its name', async () => {
    const list = await findings('# the version\nARG VERSION=1\n# VERSION2 fine\nARG VERSION2=1\n# the base image\nFROM a AS base\n# other image\nFROM b AS other\n\n# free comment\n\nFROM c AS third\n', 'InvalidDefinitionDescription');
    assert.deepEqual(list.map((d) => d.message), ['Comment for build argument should follow the format: `# VERSION <description>`', 'Comment for build stage should follow the format: `# base <description>`']);
  });

  it('ExposeProtoCasing and ExposeInvalidFormat', async () => {
    const text = 'FROM a\nEXPOSE 80/TCP 127.0.0.1:8080:80 90\n';
    const [casing] = await findings(text, 'ExposeProtoCasing');
    assert.equal(casing.message, "Defined protocol '80/TCP' in EXPOSE instruction should be lowercase");
    assert.equal(applyFix(text, casing), 'FROM a\nEXPOSE 80/tcp 127.0.0.1:8080:80 90\n');
    const [format] = await findings(text, 'ExposeInvalidFormat');
    assert.equal(format.message, "EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:8080:80'");
    assert.equal(applyFix(text, format), 'FROM a\nEXPOSE 80/TCP 80 90\n');
  });
});
