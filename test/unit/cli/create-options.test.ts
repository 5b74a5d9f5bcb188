import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from '../../../src/runtime/cli/args';
import { CREATE_FLAGS, createOptionsFrom, parseEnvFile, parseMount, parseTmpfs, parseUlimit, parseVolume } from '../../../src/runtime/cli/create-options';

const opts = (argv: string[], env: NodeJS.ProcessEnv = {}) => createOptionsFrom(parseArgs(argv, CREATE_FLAGS, { interspersed: false }), env, '/work');

describe('createOptionsFrom', () => {
  it('takes the image and the command after it', () => {
    assert.deepEqual(opts(['busybox']), { image: 'busybox' });
    assert.deepEqual(opts(['-it', 'busybox', 'sh', '-c', 'ls -l']), { image: 'busybox', cmd: ['sh', '-c', 'ls -l'], tty: true, openStdin: true });
  });

  it('maps every run flag', () => {
    const o = opts([
      '--name', 'web', '-h', 'box', '-w', '/srv', '-u', '1000:1000', '--entrypoint', '/bin/sh',
      '-m', '64m', '--cpus', '0.5', '--pids-limit', '100', '--cap-add', 'NET_ADMIN', '--cap-drop', 'ALL',
      '--privileged', '--read-only', '--network', 'none', '--init', '-l', 'a=b', '--label', 'flag',
      '--stop-signal', 'SIGUSR1', '--stop-timeout', '3', '--security-opt', 'no-new-privileges', '--ulimit', 'nofile=100:200',
      'busybox',
    ]);
    assert.deepEqual(o, {
      image: 'busybox', name: 'web', hostname: 'box', workingDir: '/srv', user: '1000:1000', entrypoint: ['/bin/sh'],
      resources: { memory: 64 * 1024 * 1024, cpus: 0.5, pidsLimit: 100 }, capAdd: ['NET_ADMIN'], capDrop: ['ALL'],
      privileged: true, readOnly: true, network: 'none', init: true, labels: { a: 'b', flag: '' },
      stopSignal: 'SIGUSR1', stopTimeout: 3, noNewPrivileges: true, ulimits: [{ name: 'nofile', soft: 100, hard: 200 }],
    });
  });

  it("clears the entrypoint with --entrypoint ''", () => {
    assert.deepEqual(opts(['--entrypoint', '', 'busybox']).entrypoint, []);
  });

  it('copies bare -e names from the environment and drops unset ones', () => {
    assert.deepEqual(opts(['-e', 'A=1', '-e', 'HOME', '-e', 'UNSET', 'busybox'], { HOME: '/root' }).env, ['A=1', 'HOME=/root']);
  });

  it('reads env files before -e, so -e wins', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-'));
    const file = path.join(dir, 'env');
    fs.writeFileSync(file, '# comment\n\nA=from file\nB=2\n');
    assert.deepEqual(opts(['--env-file', file, '-e', 'A=flag', 'busybox']).env, ['A=from file', 'B=2', 'A=flag']);
    fs.rmSync(dir, { recursive: true });
  });

  it('gathers -v, --mount and --tmpfs into mounts', () => {
    const o = opts(['-v', '/data:/data:ro', '--mount', 'type=tmpfs,target=/t', '--tmpfs', '/run', 'busybox']);
    assert.deepEqual(o.mounts, [
      { type: 'bind', source: '/data', target: '/data', readOnly: true },
      { type: 'tmpfs', target: '/t', readOnly: false, options: [] },
      { type: 'tmpfs', target: '/run', readOnly: false, options: [] },
    ]);
  });

  it('refuses what berth cannot do, saying what to use', () => {
    assert.throws(() => opts(['--network', 'bridge', 'busybox']), /network 'bridge' is not supported/);
    assert.throws(() => opts(['--cpus', '0', 'busybox']), /more than 0/);
    assert.throws(() => opts(['-w', 'rel', 'busybox']), /absolute path/);
    assert.throws(() => opts(['--security-opt', 'seccomp=x', 'busybox']), /not supported/);
    assert.throws(() => opts(['-m', 'lots', 'busybox']), /invalid size/);
    assert.throws(() => opts([]), /requires at least 1 argument/);
  });
});

describe('parseVolume', () => {
  it('reads SRC:DST and modes', () => {
    assert.deepEqual(parseVolume('/a:/b', '/w'), { type: 'bind', source: '/a', target: '/b', readOnly: false });
    assert.deepEqual(parseVolume('/a:/b:ro,z', '/w'), { type: 'bind', source: '/a', target: '/b', readOnly: true });
    assert.deepEqual(parseVolume('./rel:/b:rw', '/w'), { type: 'bind', source: '/w/rel', target: '/b', readOnly: false });
  });
  it('refuses named and anonymous volumes and bad modes', () => {
    assert.throws(() => parseVolume('data:/b', '/w'), /named volumes are not supported/);
    assert.throws(() => parseVolume('/b', '/w'), /anonymous volumes/);
    assert.throws(() => parseVolume('/a:b', '/w'), /must be absolute/);
    assert.throws(() => parseVolume('/a:/b:rx', '/w'), /invalid mode 'rx'/);
    assert.throws(() => parseVolume('/a:/b:ro:x', '/w'), /invalid volume specification/);
  });
});

describe('parseMount', () => {
  it('reads bind mounts in any key spelling', () => {
    assert.deepEqual(parseMount('type=bind,source=/a,target=/b,readonly', '/w'), { type: 'bind', source: '/a', target: '/b', readOnly: true });
    assert.deepEqual(parseMount('type=bind,src=./a,dst=/b,ro=false', '/w'), { type: 'bind', source: '/w/a', target: '/b', readOnly: false });
    assert.deepEqual(parseMount('type=bind,"source=/a,b",destination=/c,readonly=1', '/w'), { type: 'bind', source: '/a,b', target: '/c', readOnly: true });
  });
  it('reads tmpfs mounts with size and mode', () => {
    assert.deepEqual(parseMount('type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770', '/w'), {
      type: 'tmpfs', target: '/t', readOnly: false, options: [`size=${64 * 1024 * 1024}`, 'mode=1770'],
    });
  });
  it('explains what is missing or unsupported', () => {
    assert.throws(() => parseMount('type=bind,source=/a', '/w'), /target is required/);
    assert.throws(() => parseMount('type=bind,target=/a', '/w'), /source is required/);
    assert.throws(() => parseMount('source=v,target=/a', '/w'), /volumes are not supported/);
    assert.throws(() => parseMount('type=npipe,target=/a', '/w'), /type 'npipe' is not supported/);
    assert.throws(() => parseMount('type=tmpfs,target=/t,tmpfs-mode=abc', '/w'), /octal/);
    assert.throws(() => parseMount('type=bind,source=/a,target=/b,colour=red', '/w'), /unexpected key 'colour'/);
    assert.throws(() => parseMount('type=bind,source=/a,target=/b,readonly=maybe', '/w'), /readonly takes true or false/);
  });
});

describe('parseTmpfs', () => {
  it('reads PATH[:OPTIONS]', () => {
    assert.deepEqual(parseTmpfs('/run'), { type: 'tmpfs', target: '/run', readOnly: false, options: [] });
    assert.deepEqual(parseTmpfs('/run:rw,size=64m,mode=1777'), { type: 'tmpfs', target: '/run', readOnly: false, options: ['size=64m', 'mode=1777'] });
    assert.deepEqual(parseTmpfs('/ro:ro').readOnly, true);
    assert.throws(() => parseTmpfs('run'), /must be absolute/);
  });
});

describe('parseUlimit and parseEnvFile', () => {
  it('reads NAME=SOFT[:HARD]', () => {
    assert.deepEqual(parseUlimit('nofile=1024'), { name: 'nofile', soft: 1024, hard: 1024 });
    assert.deepEqual(parseUlimit('nproc=-1:-1'), { name: 'nproc', soft: -1, hard: -1 });
    assert.throws(() => parseUlimit('nofile=2:1'), /above the hard limit/);
    assert.throws(() => parseUlimit('nofile'), /invalid ulimit/);
  });
  it('refuses names with spaces in env files', () => {
    assert.deepEqual(parseEnvFile('  A=1 2\r\nB\n', { B: 'x' }), ['A=1 2', 'B=x']);
    assert.throws(() => parseEnvFile('MY VAR=1\n', {}), /line 1: variable 'MY VAR' contains whitespaces/);
  });
});
