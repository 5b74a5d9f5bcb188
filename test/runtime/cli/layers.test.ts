/**
 * `berth layers`: an image whose second layer adds a file and third deletes it shows the
 * waste the way dive does, and the CI thresholds fail the command when exceeded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IMAGE, openTestStore, TestStore } from '../support';

describe('berth layers', () => {
  let store: TestStore;
  before(async () => {
    store = await openTestStore();
    // layer 1 adds /big (200 kB), layer 2 deletes it: 200 kB wasted.
    const add = await store.cli(['run', '--name', 'add', IMAGE, 'sh', '-c', 'head -c 200000 /dev/zero > /big']);
    assert.equal(add.code, 0, add.stderr);
    assert.equal((await store.cli(['commit', 'add', 'waste:1'])).code, 0);
    const del = await store.cli(['run', '--name', 'del', 'waste:1', 'rm', '/big']);
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await store.cli(['commit', 'del', 'waste:2'])).code, 0);
  });
  after(async () => store.dispose());

  test('prints the layers, the efficiency and the wasted file', async () => {
    const out = await store.cli(['layers', 'waste:2']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^Image: waste:2 /);
    assert.match(out.stdout, /LAYER +SIZE +CHANGES +CREATED BY/);
    // dive counts both layers that hold /big: the one that adds it and the one that deletes it.
    assert.match(out.stdout, /Wasted space:\n.*\n2 +200kB +\/big\n/);
  });

  test('--json carries the summary and --layer the tree with the change marks', async () => {
    const report = JSON.parse((await store.cli(['layers', '--json', 'waste:2'])).stdout);
    assert.equal(report.summary.wastedBytes, 200000);
    assert.ok(report.summary.efficiency < 1);
    const tree = (await store.cli(['layers', '--layer', '2', 'waste:2'])).stdout;
    assert.match(tree, /^-.*big/m, tree);
  });

  test('thresholds pass and fail like dive --ci', async () => {
    const fail = await store.cli(['layers', '--highest-wasted-bytes', '100kB', 'waste:2']);
    assert.equal(fail.code, 1);
    assert.match(fail.stdout, /FAIL +highest-wasted-bytes/);
    const pass = await store.cli(['layers', '--highest-wasted-bytes', '1MB', '--lowest-efficiency', '0.1', 'waste:2']);
    assert.equal(pass.code, 0, pass.stdout);
    assert.equal((await store.cli(['layers', '--highest-wasted-bytes', 'lots', 'waste:2'])).code, 125);
  });
});
