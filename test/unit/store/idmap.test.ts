import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { currentIdMap, parseSubidFile, toContainer, toHost } from '../../../src/runtime/idmap';

function file(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-idmap-'));
  fs.writeFileSync(path.join(dir, 'f'), text);
  return path.join(dir, 'f');
}

describe('idmap', () => {
  it('is the identity for root', () => {
    const map = currentIdMap({ uid: 0, gid: 0 });
    assert.deepEqual(map, { uidMappings: [], gidMappings: [] });
    assert.equal(toHost(map.uidMappings, 1234), 1234);
  });

  it('maps container root to the user and 1..65535 to the subuid range, by name or uid', () => {
    const sub = file('# comment\nother:200000:65536\nalice:100000:65536\n');
    const byName = currentIdMap({ uid: 1001, gid: 1002, userName: 'alice', subuidFile: sub, subgidFile: sub, haveIdmapHelpers: true });
    assert.deepEqual(byName.uidMappings, [
      { containerID: 0, hostID: 1001, size: 1 },
      { containerID: 1, hostID: 100000, size: 65535 },
    ]);
    assert.deepEqual(byName.gidMappings[0], { containerID: 0, hostID: 1002, size: 1 });
    const byUid = currentIdMap({ uid: 1001, gid: 1001, userName: 'nobody-here', subuidFile: file('1001:300000:1000\n'), subgidFile: sub, haveIdmapHelpers: true });
    assert.deepEqual(byUid.uidMappings[1], { containerID: 1, hostID: 300000, size: 1000 });
  });

  it('concatenates several ranges up to 65536 ids', () => {
    assert.deepEqual(parseSubidFile('u:10:5\nu:100:70000\n', 'u', 1), [{ start: 10, count: 5 }, { start: 100, count: 70000 }]);
    const map = currentIdMap({ uid: 5, gid: 5, userName: 'u', subuidFile: file('u:10:5\nu:100:70000\n'), subgidFile: file(''), haveIdmapHelpers: true });
    assert.deepEqual(map.uidMappings, [
      { containerID: 0, hostID: 5, size: 1 },
      { containerID: 1, hostID: 10, size: 5 },
      { containerID: 6, hostID: 100, size: 65530 },
    ]);
    assert.deepEqual(map.gidMappings, [{ containerID: 0, hostID: 5, size: 1 }]);
  });

  it('maps only root without newuidmap', () => {
    const map = currentIdMap({ uid: 7, gid: 7, userName: 'alice', subuidFile: file('alice:100000:65536\n'), haveIdmapHelpers: false });
    assert.deepEqual(map.uidMappings, [{ containerID: 0, hostID: 7, size: 1 }]);
  });

  it('translates both ways and reports unmapped ids', () => {
    const m = [
      { containerID: 0, hostID: 1000, size: 1 },
      { containerID: 1, hostID: 100000, size: 65535 },
    ];
    assert.equal(toHost(m, 0), 1000);
    assert.equal(toHost(m, 33), 100032);
    assert.equal(toHost(m, 70000), undefined);
    assert.equal(toContainer(m, 100032), 33);
    assert.equal(toContainer(m, 1000), 0);
    assert.equal(toContainer(m, 5), undefined);
  });
});
