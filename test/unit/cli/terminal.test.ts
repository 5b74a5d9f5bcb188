import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { detachKeys, proxySignals } from '../../../src/runtime/cli/terminal';

describe('detachKeys', () => {
  it('passes input through and detaches on Ctrl-P Ctrl-Q', async () => {
    let detached = false;
    const keys = detachKeys(() => (detached = true));
    const out: Buffer[] = [];
    keys.on('data', (c: Buffer) => out.push(c));
    const done = new Promise((resolve) => keys.on('end', resolve));
    Readable.from([Buffer.from('ls\x10x\x10'), Buffer.from('\x11ignored')]).pipe(keys);
    await done;
    assert.equal(detached, true);
    assert.equal(Buffer.concat(out).toString('latin1'), 'ls\x10x');
  });
});

describe('proxySignals', () => {
  it('forwards signals until stopped', () => {
    const seen: string[] = [];
    const stop = proxySignals((s) => seen.push(s));
    process.emit('SIGUSR2');
    stop();
    assert.deepEqual(seen, ['SIGUSR2']);
    assert.equal(process.listenerCount('SIGUSR2'), 0);
  });
});
