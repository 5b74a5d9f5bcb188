import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseChanges } from '../../../../src/runtime/build/dockerfile/change';
import { isBerthError } from '../../../../src/runtime/errors';

describe('parseChanges', () => {
  it('turns every instruction docker allows into a config change', () => {
    const changes = parseChanges(
      [
        'CMD ["sh"]',
        'ENTRYPOINT run me',
        'ENV A=b C=$HOME',
        'LABEL a=b "c d"=e',
        'EXPOSE 80 53/UDP 8000-8001',
        'VOLUME ["/v", "/w"]',
        'WORKDIR /x/$A',
        'USER u',
        'STOPSIGNAL SIGINT',
        'ONBUILD RUN make',
        'HEALTHCHECK --interval=30s --retries=2 CMD ["true"]',
      ],
      { env: ['HOME=/root'] },
    );
    assert.deepEqual(changes, [
      { kind: 'cmd', args: ['sh'], prependShell: false },
      { kind: 'entrypoint', args: ['run me'], prependShell: true },
      { kind: 'env', pairs: [['A', 'b'], ['C', '/root']] },
      { kind: 'label', pairs: [['a', 'b'], ['c d', 'e']] },
      { kind: 'expose', ports: ['80/tcp', '53/udp', '8000/tcp', '8001/tcp'] },
      { kind: 'volume', paths: ['/v', '/w'] },
      { kind: 'workdir', path: '/x/b' },
      { kind: 'user', user: 'u' },
      { kind: 'stopsignal', signal: 'SIGINT' },
      { kind: 'onbuild', expression: 'RUN make' },
      { kind: 'healthcheck', test: ['CMD', 'true'], interval: 30e9, timeout: 0, startPeriod: 0, startInterval: 0, retries: 2 },
    ]);
  });

  it('refuses what docker refuses, naming the change', () => {
    const cases: [string, RegExp][] = [
      ['RUN echo', /^--change "RUN echo": RUN is not a valid change command \(docker allows CMD, ENTRYPOINT/],
      ['FROM x', /FROM is not a valid change command/],
      ['COPY a b', /COPY is not a valid change command/],
      ['ENV', /ENV requires at least one argument/],
      ['EXPOSE http', /invalid port "http"/],
      ['WORKDIR ${A', /missing '}'/],
      ['CMD [1]', /arrays must be comprised of strings only/],
      ['HEALTHCHECK --bogus=1 CMD x', /unknown flag: --bogus/],
      ['', /file with no instructions/],
    ];
    for (const [change, message] of cases) {
      assert.throws(() => parseChanges([change]), (err: unknown) => isBerthError(err, 'invalid-argument') && message.test(err.message), change);
    }
  });
});
