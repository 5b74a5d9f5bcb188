import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../../src/runtime/errors';
import { familiarName, normalizeName, parseReference } from '../../../src/runtime/image/reference';

const D = 'sha256:' + 'a'.repeat(64);

describe('image references', () => {
  const cases: Array<[string, string]> = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['user/app:v1.0', 'docker.io/user/app:v1.0'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['localhost/x', 'localhost/x:latest'],
    ['localhost:5000/a/b:t', 'localhost:5000/a/b:t'],
    ['quay.io/podman/stable', 'quay.io/podman/stable:latest'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`],
    [`busybox:1@${D}`, `docker.io/library/busybox:1@${D}`],
    ['a__b-c/d.e', 'docker.io/a__b-c/d.e:latest'],
  ];
  for (const [input, expected] of cases) {
    it(`normalizes '${input}' like Docker`, () => assert.equal(normalizeName(input), expected));
  }

  it('gives back the short familiar form', () => {
    assert.equal(familiarName('docker.io/library/busybox:latest'), 'busybox:latest');
    assert.equal(familiarName('docker.io/user/app:1'), 'user/app:1');
    assert.equal(familiarName('docker.io/library/a/b:1'), 'library/a/b:1');
    assert.equal(familiarName('localhost/x:latest'), 'localhost/x:latest');
  });

  it('parses parts', () => {
    assert.deepEqual(parseReference('registry:5000/x/y:2'), { domain: 'registry:5000', path: 'x/y', tag: '2' });
    assert.deepEqual(parseReference('x', { defaultTag: false }), { domain: 'docker.io', path: 'library/x' });
  });

  for (const input of ['', 'UPPER', 'a//b', 'a:', 'a:-x', '-a', 'a@sha256:short', 'a@md5:' + 'a'.repeat(32), 'a/../b', 'x'.repeat(300)]) {
    it(`refuses '${input.slice(0, 20)}' with invalid-argument`, () => {
      assert.throws(() => parseReference(input), (err) => isBerthError(err, 'invalid-argument') && err.message.includes('image reference'));
    });
  }
});
