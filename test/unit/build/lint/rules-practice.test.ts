import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { applyFix, findings, spans } from './lint-helpers';

const store = (tags: string[]) => ({ images: { image: async () => undefined, tags: async () => tags } });

describe('best-practice rules', () => {
  it('BaseImageUntagged: pins to a tag the store has', async () => {
    const text = 'FROM alpine\nFROM alpine AS a\nFROM a\nFROM scratch\nFROM alpine:3\n';
    const list = await findings(text, 'BaseImageUntagged', { port: store(['3.20', 'latest']) });
    assert.deepEqual(list.map((d) => d.range.start.line), [0, 1]);
    assert.deepEqual(list[0].fixes.map((f) => f.title), ['Pin to alpine:3.20']);
    assert.equal(applyFix(text, list[0]).split('\n')[0], 'FROM alpine:3.20');
  });

  it('BaseImageLatest: the latest tag', async () => {
    const list = await findings('FROM alpine:latest\nFROM alpine:3\n', 'BaseImageLatest');
    assert.deepEqual(spans(list), ['0:5-0:18']);
  });

  it('AptGetMissingYes and AptGetNoInstallRecommends, with fixes that insert the option', async () => {
    const text = 'FROM debian\nRUN apt-get update && apt-get install curl\n';
    const [yes] = await findings(text, 'AptGetMissingYes');
    assert.equal(applyFix(text, yes), 'FROM debian\nRUN apt-get update && apt-get install -y curl\n');
    const [rec] = await findings(text, 'AptGetNoInstallRecommends');
    assert.equal(applyFix(text, rec), 'FROM debian\nRUN apt-get update && apt-get install --no-install-recommends curl\n');
    assert.equal((await findings('FROM d\nRUN apt-get -qq install x\n', 'AptGetMissingYes')).length, 0);
    assert.equal((await findings('FROM d\nRUN apt-get install -y --no-install-recommends x\n', 'AptGetNoInstallRecommends')).length, 0);
  });

  it('AptListsNotCleaned: unless the RUN removes the lists or caches them', async () => {
    assert.equal((await findings('FROM d\nRUN apt-get install -y x\n', 'AptListsNotCleaned')).length, 1);
    assert.equal((await findings('FROM d\nRUN apt-get install -y x && rm -rf /var/lib/apt/lists/*\n', 'AptListsNotCleaned')).length, 0);
    assert.equal((await findings('FROM d\nRUN --mount=type=cache,target=/var/lib/apt apt-get install -y x\n', 'AptListsNotCleaned')).length, 0);
  });

  it('AptGetUpgrade', async () => {
    assert.equal((await findings('FROM d\nRUN apt-get update && apt-get -y dist-upgrade\n', 'AptGetUpgrade')).length, 1);
  });

  it('CdInsteadOfWorkdir: cd in a RUN', async () => {
    const [d] = await findings('FROM d\nRUN cd /src && make\n', 'CdInsteadOfWorkdir');
    assert.deepEqual(spans([d]), ['1:4-1:6']);
    assert.equal((await findings('FROM d\nRUN make -C /src\n', 'CdInsteadOfWorkdir')).length, 0);
  });

  it('AddInsteadOfCopy: local files, not URLs or archives', async () => {
    const text = 'FROM d\nADD app.js /app/\nADD https://x/y /z\nADD a.tar.gz /\n';
    const list = await findings(text, 'AddInsteadOfCopy');
    assert.equal(list.length, 1);
    assert.equal(applyFix(text, list[0]), 'FROM d\nCOPY app.js /app/\nADD https://x/y /z\nADD a.tar.gz /\n');
  });

  it('LastUserRoot: only the final stage matters', async () => {
    assert.equal((await findings('FROM d\nUSER app\nUSER root\n', 'LastUserRoot')).length, 1);
    assert.equal((await findings('FROM d\nUSER root\nFROM e\nUSER app\n', 'LastUserRoot')).length, 0);
  });

  it('SudoUsed', async () => {
    assert.equal((await findings('FROM d\nRUN sudo apt-get update\n', 'SudoUsed')).length, 1);
  });

  it('PipefailMissing: a pipe without pipefail, unless SHELL or set -o set it', async () => {
    assert.equal((await findings('FROM d\nRUN curl x | tar x\n', 'PipefailMissing')).length, 1);
    assert.equal((await findings('FROM d\nRUN a || b\n', 'PipefailMissing')).length, 0);
    assert.equal((await findings('FROM d\nRUN set -eo pipefail; curl x | tar x\n', 'PipefailMissing')).length, 0);
    assert.equal((await findings('FROM d\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN curl x | tar x\n', 'PipefailMissing')).length, 0);
  });

  it('ConsecutiveRun: same options, next to each other', async () => {
    const list = await findings('FROM d\nRUN a\nRUN b\nENV x=1\nRUN c\nRUN --network=none d\n', 'ConsecutiveRun');
    assert.deepEqual(list.map((d) => d.range.start.line), [2]);
  });

  it('ApkNoCache and PipNoCacheDir insert their option', async () => {
    const text = 'FROM a\nRUN apk add curl && pip install flask\n';
    const [apk] = await findings(text, 'ApkNoCache');
    assert.equal(applyFix(text, apk), 'FROM a\nRUN apk add --no-cache curl && pip install flask\n');
    const [pip] = await findings(text, 'PipNoCacheDir');
    assert.equal(applyFix(text, pip), 'FROM a\nRUN apk add curl && pip install --no-cache-dir flask\n');
    assert.equal((await findings('FROM a\nENV PIP_NO_CACHE_DIR=1\nRUN pip install x\n', 'PipNoCacheDir')).length, 0);
  });

  it('CurlAndWget: both tools in one file', async () => {
    assert.equal((await findings('FROM a\nRUN curl -O x\nRUN wget y\n', 'CurlAndWget')).length, 1);
    assert.equal((await findings('FROM a\nRUN curl -O x\n', 'CurlAndWget')).length, 0);
  });

  it('ExposePortRange', async () => {
    assert.deepEqual((await findings('FROM a\nEXPOSE 80 70000/udp 1-99999\n', 'ExposePortRange')).map((d) => d.message), [
      'Port 70000/udp is out of range: ports go from 0 to 65535',
      'Port 1-99999 is out of range: ports go from 0 to 65535',
    ]);
  });

  it('CopyDestinationSlash: several sources need a directory', async () => {
    const text = 'FROM a\nCOPY a b /app\n';
    const [d] = await findings(text, 'CopyDestinationSlash');
    assert.equal(applyFix(text, d), 'FROM a\nCOPY a b /app/\n');
  });
});
