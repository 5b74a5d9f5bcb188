/**
 * Interop with podman, both ways, on a busybox image made from files: podman's archives
 * (docker-archive and oci-archive) load into Berth, and Berth's load into podman and run.
 * podman gets a private storage dir; it runs containers with runc and explicit rlimits
 * because crun refuses this machine's hybrid cgroups and the hard limits are below
 * podman's defaults (see ../../../../shared/ENVIRONMENT.md).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HelperClient } from '../../../src/runtime/container/helper-client';
import { currentIdMap } from '../../../src/runtime/idmap';
import { ImageService } from '../../../src/runtime/image/image-service';
import { storePaths } from '../../../src/runtime/paths';
import { busyboxRootfs } from '../../fixtures/archives';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-podman-'));
const podmanArgs = ['--root', path.join(base, 'podman', 'root'), '--runroot', path.join(base, 'podman', 'run'), '--storage-driver', 'overlay', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
const podman = (...args: string[]) => execFileSync('podman', [...podmanArgs, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const idMap = currentIdMap();

describe('podman interop', () => {
  let helper: HelperClient;
  let service: ImageService;

  before(async () => {
    helper = await HelperClient.connect({ runtimeDir: path.join(base, 'run') });
    service = new ImageService(storePaths(path.join(base, 'store')), idMap, async () => helper);
    const rootfsTar = path.join(base, 'rootfs.tar');
    execFileSync('tar', ['-C', busyboxRootfs(), '-cf', rootfsTar, '.']);
    podman('import', rootfsTar, 'localhost/interop:podman');
  });

  after(async () => {
    try {
      podman('system', 'reset', '--force');
    } catch {
      // podman's own storage: best effort
    }
    await helper.rmtree({ path: base, ...idMap });
    await helper.shutdown();
  });

  for (const format of ['docker-archive', 'oci-archive']) {
    it(`loads podman's ${format}, with the same image id`, async () => {
      const file = path.join(base, `podman-${format}.tar`);
      podman('save', '--format', format, '-o', file, 'localhost/interop:podman');
      assert.deepEqual(await service.loadImages(file), ['localhost/interop:podman']);
      const podmanId = podman('image', 'inspect', '--format', '{{.Id}}', 'localhost/interop:podman');
      assert.equal((await service.resolve('localhost/interop:podman')).id, `sha256:${podmanId}`);
      assert.match((await service.snapshots.readFile('f'.repeat(64), (await service.resolveForRun('localhost/interop:podman')).chainIds, '/etc/passwd')) ?? '', /^root:x:0:0/);
    });
  }

  for (const format of ['docker-archive', 'oci-archive'] as const) {
    it(`saves a ${format} that podman loads and runs`, async () => {
      const id = await service.importImage(busyboxRootfs(), `localhost/interop:${format}`, { changes: { cmd: ['/bin/sh'] } });
      const file = path.join(base, `berth-${format}.tar`);
      await service.saveImages([`localhost/interop:${format}`], file, { format });
      assert.match(podman('load', '-i', file), new RegExp(`localhost/interop:${format}`));
      assert.equal(`sha256:${podman('image', 'inspect', '--format', '{{.Id}}', `localhost/interop:${format}`)}`, id);
      const out = podman('run', '--rm', '--network', 'none', '--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', `localhost/interop:${format}`, 'sh', '-c', 'true && echo ran');
      assert.equal(out, 'ran');
    });
  }
});
