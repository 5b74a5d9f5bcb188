/**
 * Pause and unpause. With a cgroup (root, or delegated cgroup v2) the freezer stops the
 * whole container atomically; a container started without limits has none until its
 * first pause makes one (the helper's freezer op). Without cgroups at all (rootless on
 * cgroup v1) Berth falls back to SIGSTOP/SIGCONT for every process in the container's
 * pid namespace — what a user would otherwise have no way to do; processes forked
 * during the sweep are caught by a second sweep.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readJsonOr } from '../store/atomic';
import { pidsInNamespace } from './procfs';
import { ContainerDir } from './state-store';

export interface CgroupRecord {
  version: 1 | 2;
  /**
   * v1: controller → absolute dir; v2: { unified: dir }, or { freezer: dir } for one made
   * at a pause, whose usage figures would miss everything from before it.
   */
  paths: Record<string, string>;
}

export async function readCgroup(dir: ContainerDir): Promise<CgroupRecord | undefined> {
  return readJsonOr<CgroupRecord | undefined>(dir.cgroupFile, undefined).catch(() => undefined);
}

export async function setFrozen(dir: ContainerDir, initPid: number, frozen: boolean): Promise<void> {
  const cgroup = await readCgroup(dir);
  if (cgroup?.version === 1 && cgroup.paths.freezer) {
    await fs.writeFile(path.join(cgroup.paths.freezer, 'freezer.state'), frozen ? 'FROZEN' : 'THAWED');
    return;
  }
  const unified = cgroup?.version === 2 ? cgroup.paths.unified ?? cgroup.paths.freezer : undefined;
  if (unified) {
    await fs.writeFile(path.join(unified, 'cgroup.freeze'), frozen ? '1' : '0');
    return;
  }
  const signal = frozen ? 'SIGSTOP' : 'SIGCONT';
  for (let sweep = 0; sweep < 2; sweep++) {
    for (const pid of await pidsInNamespace(initPid)) {
      try {
        process.kill(pid, signal);
      } catch {
        // Exited between listing and signalling.
      }
    }
  }
}
