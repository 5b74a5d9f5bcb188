import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Lease, liveLeases } from '../../../src/runtime/store/lease';

test("a lease's half-written file goes with its dead owner, and stays while the owner lives", async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-lease-'));
  const lease = await Lease.create(root);
  const dir = path.join(root, 'leases');
  // What a SIGKILL between writing and renaming leaves (store/atomic.ts names it so).
  const deadTemp = `.${'0123456789abcdef'}.json.4242.deadbeef.tmp`;
  const liveTemp = `.${lease.id}.json.${process.pid}.cafe0001.tmp`;
  await fs.writeFile(path.join(dir, deadTemp), '{');
  await fs.writeFile(path.join(dir, liveTemp), '{');
  const live = await liveLeases(root);
  assert.deepEqual(live.map((l) => l.id), [lease.id]);
  const left = (await fs.readdir(dir)).sort();
  assert.deepEqual(left, [liveTemp, `${lease.id}.json`].sort());
  await lease.release();
  await fs.rm(root, { recursive: true, force: true });
});
