import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { isValidReference, parseImageName, program, simpleCommands, suggest } from '../../../../src/runtime/build/lint/helpers';

describe('lint helpers', () => {
  it('splits a script into simple commands outside quotes', () => {
    const cmds = simpleCommands(`a 'x && y' && b | c; d \\\n e # c && f\ng`);
    assert.deepEqual(cmds.map((c) => [c.words, c.next]), [
      [['a', 'x && y'], '&&'],
      [['b'], '|'],
      [['c'], ';'],
      [['d', 'e'], '\n'],
      [['g'], ''],
    ]);
    assert.equal(program(simpleCommands('DEBIAN_FRONTEND=x sudo /usr/bin/apt-get install')[0]).name, 'apt-get');
  });

  it('reads image names and validates references', () => {
    assert.deepEqual(parseImageName('localhost:5000/a/b:1@sha256:ab'), { repository: 'localhost:5000/a/b', tag: '1', digest: 'sha256:ab' });
    assert.deepEqual(parseImageName('localhost:5000/a'), { repository: 'localhost:5000/a', tag: undefined, digest: undefined });
    assert.ok(isValidReference('alpine:3.20'));
    assert.ok(!isValidReference('busybox:'));
    assert.ok(!isValidReference('Alpine'));
  });

  it('suggests close names only', () => {
    assert.equal(suggest('buidler', ['builder', 'final']), 'builder');
    assert.equal(suggest('xyz', ['builder']), undefined);
  });
});
