import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { NameIndex } from '../../../src/runtime/container/name-index';

/** An index over a fake set of records: id → name. */
function setup(records: Record<string, string> = {}) {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-names-')), '.names');
  return { dir, records, index: new NameIndex(dir, (id) => records[id]) };
}

describe('NameIndex', () => {
  it('is built once from the records of a store that has none', async () => {
    const { dir, index } = setup();
    assert.equal(index.exists(), false);
    await index.ensure(async () => [{ id: 'a1', name: 'web' }, { id: 'b2', name: 'db' }, { id: 'c3', name: 'web' }]);
    assert.equal(index.lookup('web'), 'a1', 'a name twice: the first record keeps it');
    assert.equal(index.lookup('db'), 'b2');
    await index.ensure(async () => assert.fail('built twice'));
    assert.deepEqual(fs.readdirSync(path.dirname(dir)), ['.names'], 'no temp dir left');
  });

  it('gives a name to one container only, and takes over a stale entry', async () => {
    const { index, records } = setup();
    await index.ensure(async () => []);
    assert.equal(index.claim('web', 'a1'), true);
    records.a1 = 'web';
    assert.equal(index.claim('web', 'b2'), false, 'a live container has it');
    delete records.a1; // removed, but its entry stayed (a remover killed before it unlinked)
    assert.equal(index.claim('web', 'b2'), true);
    assert.equal(index.lookup('web'), 'b2');
  });

  it('releases a name only for the container it points at', async () => {
    const { index } = setup();
    await index.ensure(async () => []);
    index.claim('web', 'b2');
    index.release('web', 'a1');
    assert.equal(index.lookup('web'), 'b2');
    index.release('web', 'b2');
    assert.equal(index.lookup('web'), undefined);
  });

  it('keeps a container id in an entry short enough for the inode, and reads the hex entries of older stores', async () => {
    const { dir, index } = setup();
    await index.ensure(async () => []);
    const id = 'ab'.repeat(32);
    index.claim('web', id);
    assert.ok(fs.readlinkSync(path.join(dir, 'web')).length < 60);
    assert.equal(index.lookup('web'), id);
    fs.symlinkSync(id, path.join(dir, 'old'));
    assert.equal(index.lookup('old'), id);
    index.release('old', id);
    assert.equal(index.lookup('old'), undefined);
  });
});
