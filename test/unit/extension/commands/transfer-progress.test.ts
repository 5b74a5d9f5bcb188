import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransferTally } from '../../../../src/extension/commands/transfer-progress';
import type { TransferProgress } from '../../../../src/runtime/events';

const blob = (digest: string, status: TransferProgress['status'], current: number, total: number, kind: TransferProgress['kind'] = 'layer'): TransferProgress => ({ operation: 'pull', digest, kind, status, current, total });

describe('TransferTally', () => {
  it('sums bytes over the blobs that travel and counts finished layers', () => {
    const tally = new TransferTally();
    tally.add(blob('a', 'waiting', 0, 2_000_000));
    tally.add(blob('b', 'waiting', 0, 1_000_000));
    tally.add(blob('a', 'downloading', 500_000, 2_000_000));
    tally.add(blob('b', 'complete', 1_000_000, 1_000_000));
    assert.equal(tally.message(), '1.5 MB of 3.0 MB · 1 of 2 layers');
    assert.equal(tally.increment(), 50);
  });

  it('reports increments, never going back when a blob is announced late', () => {
    const tally = new TransferTally();
    tally.add(blob('a', 'uploading', 500, 1000));
    assert.equal(tally.increment(), 50);
    tally.add(blob('cfg', 'uploading', 0, 1000, 'config'));
    assert.equal(tally.increment(), 0);
    tally.add(blob('a', 'complete', 1000, 1000));
    tally.add(blob('cfg', 'complete', 1000, 1000, 'config'));
    assert.equal(tally.increment(), 50);
    assert.equal(tally.message(), '2.0 KB of 2.0 KB · 1 of 1 layer');
  });

  it('leaves blobs the other side has out of the bytes, and still finishes the bar', () => {
    const tally = new TransferTally();
    tally.add(blob('a', 'exists', 5_000_000, 5_000_000));
    tally.add(blob('b', 'mounted', 1_000, 1_000));
    assert.equal(tally.message(), '0 B of 0 B · 2 of 2 layers');
    assert.equal(tally.increment(), 100);
  });
});
