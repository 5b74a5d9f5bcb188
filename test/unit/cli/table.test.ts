import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { alignTabs, ellipsis, formatTable, shortId } from '../../../src/runtime/cli/table';

describe('formatTable', () => {
  it('pads columns to the widest cell plus three spaces, at least ten, like docker', () => {
    const out = formatTable([
      ['CONTAINER ID', 'IMAGE', 'NAMES'],
      ['0123456789ab', 'busybox:latest', 'web'],
    ]);
    assert.equal(out, 'CONTAINER ID   IMAGE            NAMES\n0123456789ab   busybox:latest   web\n');
  });
  it('never pads the last column and counts characters, not bytes', () => {
    const out = formatTable([
      ['A', 'B'],
      ['café', 'x  '],
    ]);
    assert.equal(out, 'A         B\ncafé      x  \n');
  });
  it('aligns tab-separated lines', () => {
    assert.equal(alignTabs('ID\tNAME\nabc\tweb\n'), 'ID        NAME\nabc       web\n');
  });
});

describe('ellipsis and shortId', () => {
  it('cuts with an ellipsis only when needed', () => {
    assert.equal(ellipsis('sh -c sleep 1', 20), 'sh -c sleep 1');
    assert.equal(ellipsis('sh -c "while true; do date; done"', 20), 'sh -c "while true; …');
    assert.equal([...ellipsis('x'.repeat(30), 20)].length, 20);
  });
  it('gives 12-character ids without the digest algorithm', () => {
    assert.equal(shortId('sha256:0123456789abcdef0123'), '0123456789ab');
    assert.equal(shortId('fedcba9876543210'), 'fedcba987654');
  });
});
