/**
 * The bundle Berth writes is a plain OCI bundle: the same config.json runs under crun
 * (as root) or runc (rootless: crun refuses hybrid cgroups for a user) with the same
 * result. Neither mounts a "/" overlay from `mounts` (podman mounts it before calling
 * them), so they get a copy of the tree as root.path instead.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { OciSpec } from '../../../src/runtime/container/oci-spec';
import { busyboxLower, isRoot, makeContainer, runToEnd, useHelper } from './fixtures';

const runtime = isRoot ? 'crun' : 'runc';
const installed = spawnSync(runtime, ['--version']).status === 0;

/** Runs the bundle's config under crun or runc on a copied tree; returns stdout. */
function runUnderPeer(bundleDir: string, spec: OciSpec, id: string): string {
  const dir = fs.mkdtempSync(path.join(path.dirname(bundleDir), 'crun-'));
  const rootfs = path.join(dir, 'rootfs');
  execFileSync('cp', ['-a', busyboxLower() + '/.', rootfs + '/']);
  const crunSpec: OciSpec = { ...spec, root: { ...spec.root, path: rootfs }, mounts: spec.mounts.filter((m) => m.destination !== '/') };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(crunSpec));
  const state = path.join(dir, 'state');
  // crun refuses hybrid cgroups ("cgroups in hybrid mode not supported") unless the
  // empty cgroup2 mount is gone, which root can arrange in a private mount namespace.
  const script = `umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --root "$1" run -b "$2" "$3"`;
  const [cmd, args] = isRoot ? ['unshare', ['-m', 'sh', '-c', script, 'sh', state, dir, id]] : ['runc', ['--root', state, 'run', '-b', dir, id]];
  const result = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.status, 0, `${runtime} failed: ${result.stderr}`);
  return result.stdout;
}

describe(`berth-helper bundles under ${runtime}`, { skip: !installed && `${runtime} is not installed` }, () => {
  const h = useHelper();


  it(`gives the same view of the container under ${runtime} and under Berth`, async () => {
    const script = 'echo pid=$$; hostname; id -u; id -g; grep -E "^Cap(Eff|Bnd)" /proc/self/status; cat /proc/self/uid_map | wc -l; mount | grep -c " /proc/sys "; ls /dev | grep -vx core | tr "\\n" " "';
    // runc makes no /dev/core (crun and Berth do: a link to /proc/kcore, masked anyway).
    const c = makeContainer(h.base, { capDrop: ['NET_RAW'], cmd: ['sh', '-c', script] });
    const ours = await runToEnd(h.client, c);
    assert.equal(ours.code, 0);
    const theirs = runUnderPeer(c.bundle, c.spec, `berth-test-${c.id.slice(0, 12)}`);
    assert.equal(ours.stdout, theirs);
  });
});
