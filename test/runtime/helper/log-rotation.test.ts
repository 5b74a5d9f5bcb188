/**
 * The daemon's log (its stderr and every monitor's) does not grow without end: a daemon
 * that starts over a big one moves it aside and begins a new one.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { HelperClient } from '../../../src/runtime/container/helper-client';

describe('helper.log', () => {
  it('is moved to helper.log.1 when a daemon starts over one past 1 MiB, and a small one is kept', async () => {
    const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-helper-log-'));
    const client = await HelperClient.connect({ runtimeDir });
    try {
      const old = 'old line\n'.repeat(200_000);
      fs.writeFileSync(client.logPath, old);
      await client.ping();
      assert.equal(fs.readFileSync(`${client.logPath}.1`, 'utf8'), old);
      assert.ok(fs.statSync(client.logPath).size < 4096, 'a new log begins');

      await client.shutdown();
      fs.writeFileSync(client.logPath, 'small\n');
      await client.ping();
      assert.ok(fs.readFileSync(client.logPath, 'utf8').startsWith('small\n'), 'a small log is appended to');
      assert.equal(fs.readFileSync(`${client.logPath}.1`, 'utf8'), old);
    } finally {
      await client.shutdown();
      fs.rmSync(runtimeDir, { recursive: true, force: true });
    }
  });
});
