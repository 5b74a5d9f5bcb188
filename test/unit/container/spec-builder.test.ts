import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildSpec, effectiveProcess, mergeEnv, SpecInput } from '../../../src/runtime/container/spec-builder';
import { ContainerConfig } from '../../../src/runtime/container/container';
import { DEFAULT_CAPABILITIES } from '../../../src/runtime/container/defaults';

function config(overrides: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    id: 'c'.repeat(64), name: 'test', image: 'busybox', imageId: 'sha256:' + 'a'.repeat(64), created: new Date(0).toISOString(),
    hostname: 'cccccccccccc', workingDir: '/', user: '', tty: false, openStdin: false, resources: {}, privileged: false,
    readOnly: false, network: 'none', init: false, noNewPrivileges: false, ulimits: [], autoRemove: false, stopSignal: 'SIGTERM',
    stopTimeout: 10, snapshotter: 'overlay', cmd: ['sh'], entrypoint: [], env: ['PATH=/bin'], labels: {}, mounts: [], capAdd: [], capDrop: [],
    ...overrides,
  };
}

function input(overrides: Partial<ContainerConfig> = {}, rest: Partial<SpecInput> = {}): SpecInput {
  return {
    config: config(overrides), user: { uid: 0, gid: 0, additionalGids: [] }, uidMappings: [], gidMappings: [], rootfsPath: '/r',
    etcFiles: { hostname: '/h', hosts: '/hs', resolvConf: '/rc' }, ...rest,
  };
}

describe('effectiveProcess', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['default'], Env: ['PATH=/usr/bin', 'A=1'], WorkingDir: '/app', User: 'nobody' };
  it('keeps the image entrypoint and replaces its cmd when a command is given', () => {
    const p = effectiveProcess({ cmd: ['other'] }, image);
    assert.deepEqual([...p.entrypoint, ...p.cmd], ['/entry', 'other']);
  });
  it('drops the image cmd when --entrypoint is given without a command, like Docker', () => {
    const p = effectiveProcess({ entrypoint: ['/bin/sh'] }, image);
    assert.deepEqual([...p.entrypoint, ...p.cmd], ['/bin/sh']);
  });
  it('merges env by key with the container winning, and falls back to image workdir and user', () => {
    const p = effectiveProcess({ env: ['A=2', 'B=3'] }, image);
    assert.deepEqual(p.env, ['PATH=/usr/bin', 'A=2', 'B=3']);
    assert.equal(p.workingDir, '/app');
    assert.equal(p.user, 'nobody');
  });
  it('adds a default PATH when the image has none', () => {
    assert.match(effectiveProcess({}, {}).env[0], /^PATH=\/usr\/local\/sbin/);
  });
});

describe('mergeEnv', () => {
  it('lets later lists override earlier keys', () => {
    assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['A=3']), ['B=2', 'A=3']);
  });
});

describe('buildSpec', () => {
  it('grants Docker default capabilities and masks kernel paths', () => {
    const spec = buildSpec(input());
    assert.deepEqual(spec.process.capabilities?.bounding, DEFAULT_CAPABILITIES);
    assert.ok(spec.linux.maskedPaths?.includes('/proc/kcore'));
    assert.ok(spec.linux.readonlyPaths?.includes('/proc/sys'));
  });
  it('applies --cap-drop ALL then --cap-add', () => {
    const spec = buildSpec(input({ capDrop: ['ALL'], capAdd: ['net_admin'] }));
    assert.deepEqual(spec.process.capabilities?.effective, ['CAP_NET_ADMIN']);
  });
  it('rejects an unknown capability with a clear message', () => {
    assert.throws(() => buildSpec(input({ capAdd: ['FLY'] })), /Unknown capability "CAP_FLY"/);
  });
  it('gives --privileged every capability and no masked paths', () => {
    const spec = buildSpec(input({ privileged: true }));
    assert.ok(spec.process.capabilities!.bounding.includes('CAP_SYS_ADMIN'));
    assert.deepEqual(spec.linux.maskedPaths, []);
  });
  it('creates a user namespace only when mappings are given, and drops devpts gid=5 when gid 5 is unmapped', () => {
    assert.ok(!buildSpec(input()).linux.namespaces.some((n) => n.type === 'user'));
    const single = [{ containerID: 0, hostID: 1000, size: 1 }];
    const spec = buildSpec(input({}, { uidMappings: single, gidMappings: single }));
    assert.ok(spec.linux.namespaces.some((n) => n.type === 'user'));
    const pts = spec.mounts.find((m) => m.destination === '/dev/pts');
    assert.ok(!pts?.options?.includes('gid=5'));
  });
  it('shares the host network namespace and hostname with --network host', () => {
    const spec = buildSpec(input({ network: 'host' }));
    assert.ok(!spec.linux.namespaces.some((n) => n.type === 'network'));
    assert.equal(spec.hostname, undefined);
  });
  it('translates limits into OCI resources', () => {
    const spec = buildSpec(input({ resources: { memory: 64 << 20, cpus: 1.5, pidsLimit: 50 } }));
    assert.deepEqual(spec.linux.resources, { memory: { limit: 64 << 20, swap: 64 << 20 }, cpu: { quota: 150000, period: 100000 }, pids: { limit: 50 } });
  });
  it('refuses a container with no command', () => {
    assert.throws(() => buildSpec(input({ cmd: [], entrypoint: [] })), /No command to run/);
  });
  it('mounts user binds read-only when asked', () => {
    const spec = buildSpec(input({ mounts: [{ type: 'bind', source: '/src', target: '/data', readOnly: true }] }));
    const m = spec.mounts.find((x) => x.destination === '/data');
    assert.ok(m?.options?.includes('ro'));
  });
});
