import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { findings, spans } from './lint-helpers';

const image = { id: 'sha256:1', platform: 'linux/amd64', env: [], size: 1, created: undefined, layers: 1, tags: ['alpine:3'] };
const images = { image: async (ref: string) => (ref === 'alpine:3' ? image : undefined), tags: async () => [] };

describe('runtime-aware rules', () => {
  it('BaseImageNotLocal: external bases the store lacks; silent without a store', async () => {
    const text = 'FROM alpine:3\nFROM debian:12\nFROM scratch\n';
    const list = await findings(text, 'BaseImageNotLocal', { port: { images } });
    assert.deepEqual(list.map((d) => d.message), ['Image debian:12 is not in the local store: the build will have to pull it']);
    assert.equal((await findings(text, 'BaseImageNotLocal')).length, 0);
  });

  it('CopySourceMissing: sources that match nothing in the context', async () => {
    const context = { exists: async (p: string) => p !== 'missing.txt', ignored: async () => false };
    const list = await findings('FROM a\nCOPY ok.txt missing.txt /x/\nADD https://e.com/f /y\n', 'CopySourceMissing', { port: { context } });
    assert.deepEqual(list.map((d) => d.message), ['COPY source "missing.txt" matches nothing in the build context']);
    assert.deepEqual(spans(list), ['1:12-1:23']);
  });

  it('UnknownStage: typos of stage names, later stages, bad indexes; images are fine', async () => {
    const text = 'FROM a AS builder\nFROM b\nCOPY --from=buidler /x /x\nCOPY --from=builder /x /x\nCOPY --from=alpine:3 /x /x\nCOPY --from=5 /x /x\nCOPY --from=later /x /x\nFROM c AS later\n';
    const list = await findings(text, 'UnknownStage');
    assert.deepEqual(list.map((d) => d.message), [
      '--from=buidler names no stage of this file, so it will be pulled as an image (did you mean builder?)',
      '--from=5: stage 5 is not an earlier stage of this file',
      '--from=later names a stage that comes later; stages must be defined before they are used',
    ]);
    assert.equal((await findings('FROM a\nCOPY --from=alpine:3 /x /x\nCOPY --from=busybox /x /x\n', 'UnknownStage', { port: { images: { ...images, image: async () => image } } })).length, 0);
  });
});
