import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { csvFields, parseDevice, parseMount } from '../../../../src/runtime/build/dockerfile/run-options';

describe('RUN options', () => {
  it('reads CSV records with quoted fields', () => {
    assert.deepEqual(csvFields('a,"b,c","d""e",'), { value: ['a', 'b,c', 'd"e', ''] });
    assert.ok('error' in csvFields('a"b'));
    assert.ok('error' in csvFields('"ab'));
  });

  it('applies BuildKit mount defaults and checks', () => {
    assert.deepEqual(parseMount('target=/x'), { value: { type: 'bind', target: '/x', readOnly: true, sizeLimit: 0, required: false } });
    assert.deepEqual(parseMount('type=tmpfs,dst=/t,size=64m,rw=false'), {
      value: { type: 'tmpfs', target: '/t', readOnly: true, sizeLimit: 64 * 1024 * 1024, required: false },
    });
    assert.deepEqual(parseMount('type=cache,target=/c,mode=0700,uid=1000'), {
      value: { type: 'cache', target: '/c', readOnly: false, sizeLimit: 0, required: false, mode: 0o700, uid: 1000 },
    });
    const errors: [string, string][] = [
      ['type=nfs', 'unsupported mount type "nfs" (use one of bind, cache, tmpfs, secret, ssh)'],
      ['type=bind,size=1m', "unexpected key 'size' for mount type 'bind'"],
      ['type=bind,required', "unexpected key 'required' for mount type 'bind'"],
      ['type=cache,sharing=sometimes', 'unsupported sharing value "sometimes" (use one of shared, private, locked)'],
      ['type=bind,sharing=shared', 'invalid cache sharing set for bind mount'],
      ['type=secret,src=a,id=b', "both source and id can't be set"],
      ['type=secret,id=s,from=x', 'secret mount should not have a from'],
      ['ro=maybe', 'invalid value for ro: maybe'],
      ['bogus', "invalid field 'bogus' must be a key=value pair"],
    ];
    for (const [text, message] of errors) assert.deepEqual(parseMount(text), { error: message }, text);
  });

  it('expands mount values through the given expander', () => {
    const r = parseMount('type=$T,target=/c', (v) => ({ value: v.replace('$T', 'cache') }));
    assert.equal('value' in r && r.value?.type, 'cache');
  });

  it('reads devices by name or name=, with required', () => {
    assert.deepEqual(parseDevice('/dev/fuse'), { value: { name: '/dev/fuse', required: false } });
    assert.deepEqual(parseDevice('name=gpu,required=true'), { value: { name: 'gpu', required: true } });
    assert.deepEqual(parseDevice('a,name=b'), { error: 'device name already set to a' });
  });
});
