import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { resolveUser } from '../../../src/runtime/container/user';

const passwd = 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www:/var/www:/bin/false\nbob:x:1000:1000::/home/bob:/bin/sh\n';
const group = 'root:x:0:\nwww-data:x:33:\nbob:x:1000:\nstaff:x:50:bob,alice\naudio:x:29:bob\n';

describe('resolveUser', () => {
  it('resolves an empty user to root', () => {
    assert.deepEqual(resolveUser('', passwd, group), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
  });
  it('resolves a name with its primary and supplementary groups', () => {
    assert.deepEqual(resolveUser('bob', passwd, group), { uid: 1000, gid: 1000, additionalGids: [50, 29], home: '/home/bob' });
  });
  it('accepts a numeric uid missing from passwd, with gid 0', () => {
    assert.deepEqual(resolveUser('4242', passwd, group), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  });
  it('resolves user:group by name and by number', () => {
    assert.equal(resolveUser('www-data:staff', passwd, group).gid, 50);
    assert.equal(resolveUser('33:7', passwd, group).gid, 7);
  });
  it('explains an unknown user name', () => {
    assert.throws(() => resolveUser('nobody', passwd, group), /"nobody" is not in the container's \/etc\/passwd/);
  });
});
