/**
 * Interop through a real registry: what Berth pushes, skopeo inspects and podman pulls
 * and runs; what podman pushes (gzip layers, its own manifests), Berth pulls and runs.
 * podman gets private storage and runs with runc and explicit rlimits (see
 * ../runtime/images/podman-interop.test.ts for why).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxTar, IMAGE, type TestStore, openTestStore } from '../runtime/support';
import { type RunningRegistry, privateDockerConfig, startRegistry } from './support';

privateDockerConfig();
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-reg-podman-'));
const podmanArgs = ['--root', path.join(base, 'root'), '--runroot', path.join(base, 'run'), '--storage-driver', 'overlay', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
const podman = (...args: string[]) => execFileSync('podman', [...podmanArgs, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const RUN_FLAGS = ['--rm', '--network', 'none', '--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

describe('registry interop with podman and skopeo', () => {
  let registry: RunningRegistry;
  let store: TestStore;

  before(async () => {
    registry = await startRegistry();
    store = await openTestStore();
  });

  after(async () => {
    try {
      podman('system', 'reset', '--force');
    } catch {
      // podman's own storage: best effort
    }
    fs.rmSync(base, { recursive: true, force: true });
    await store?.dispose();
    await registry?.stop();
  });

  it('pushes an image that skopeo inspects and podman pulls and runs', async () => {
    const name = `${registry.host}/berth/busybox:1`;
    await store.engine.tagImage(IMAGE, name);
    const digest = await store.engine.pushImage(name);
    const inspected = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${name}`], { encoding: 'utf8' }));
    assert.equal(inspected.Digest, digest);
    podman('pull', '--tls-verify=false', name);
    assert.equal(`sha256:${podman('image', 'inspect', '--format', '{{.Id}}', name)}`, (await store.engine.parts.images.resolve(name)).id);
    assert.equal(podman('run', ...RUN_FLAGS, name, 'sh', '-c', 'echo ran in podman'), 'ran in podman');
  });

  it('pulls and runs what podman pushed (gzip layers)', async () => {
    const name = `${registry.host}/podman/busybox:1`;
    // A layer the registry does not have yet, or podman would reuse Berth's plain blob.
    const tar = path.join(base, 'podman-rootfs.tar');
    fs.copyFileSync(busyboxTar(), tar);
    fs.writeFileSync(path.join(base, 'from-podman'), 'podman\n');
    execFileSync('tar', ['-C', base, '-rf', tar, 'from-podman']);
    podman('import', '--change', 'CMD ["/bin/sh"]', tar, 'localhost/interop:podman');
    podman('push', '--tls-verify=false', 'localhost/interop:podman', name);
    const target = await openTestStore();
    try {
      const pulled = await target.engine.pullImage(name);
      assert.equal(pulled.id, `sha256:${podman('image', 'inspect', '--format', '{{.Id}}', 'localhost/interop:podman')}`);
      const image = await target.engine.parts.images.resolve(name);
      assert.match(image.manifest.layers[0].mediaType, /gzip/);
      const run = await target.cli(['run', '--rm', name, 'sh', '-c', 'cat /from-podman']);
      assert.equal(run.stdout, 'podman\n', run.stderr);
      // podman's OCI manifest has no mediaType field: pushing it on must still name its type.
      const again = `${registry.host}/podman/again:1`;
      await target.engine.tagImage(name, again);
      assert.equal(await target.engine.pushImage(again), pulled.digest);
    } finally {
      await target.dispose();
    }
  });

  it('pulls what skopeo converted to OCI and copied back into the registry, with the same layers', async () => {
    const name = `${registry.host}/berth/busybox:1`;
    const copy = `${registry.host}/skopeo/busybox:1`;
    const layout = `oci:${path.join(base, 'oci')}:copy`;
    execFileSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${name}`, layout], { stdio: 'ignore' });
    execFileSync('skopeo', ['copy', '--dest-tls-verify=false', layout, `docker://${copy}`], { stdio: 'ignore' });
    const target = await openTestStore();
    try {
      await target.engine.pullImage(copy);
      const pulled = await target.engine.parts.images.resolve(copy);
      assert.equal(pulled.manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
      assert.deepEqual(pulled.config.rootfs.diff_ids, (await store.engine.parts.images.resolve(name)).config.rootfs.diff_ids);
    } finally {
      await target.dispose();
    }
  });
});
