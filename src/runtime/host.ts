/**
 * What this host offers a container runtime, detected once per process: the cgroup
 * layout (v1, hybrid or v2) and which resource limits the current user can apply there.
 *
 * Why it matters: on cgroup v1 only root can create cgroups, so a rootless user gets
 * limits ignored with a warning; on v2 a user can limit only inside a subtree systemd
 * delegated to them, with the controllers it enabled.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isRoot } from './paths';

export type CgroupMode = 'v1' | 'hybrid' | 'v2' | 'none';

export interface CgroupSupport {
  mode: CgroupMode;
  /** Limits the current user can apply: subset of memory, pids, cpu, freezer. */
  limits: string[];
  /** Why limits are missing, in words a person can act on; empty when all apply. */
  note: string;
}

const MOUNT = '/sys/fs/cgroup';

export function cgroupMode(root = MOUNT): CgroupMode {
  if (existsSync(path.join(root, 'cgroup.controllers'))) return 'v2';
  if (existsSync(path.join(root, 'memory')) || existsSync(path.join(root, 'pids'))) {
    return existsSync(path.join(root, 'unified', 'cgroup.controllers')) ? 'hybrid' : 'v1';
  }
  return 'none';
}

/** The current process's cgroup v2 path (the `0::` line), or undefined. */
function ownV2Cgroup(): string | undefined {
  try {
    const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
    return line?.slice(3);
  } catch {
    return undefined;
  }
}

export function detectCgroupSupport(root = MOUNT, asRoot = isRoot(), ownCgroup = ownV2Cgroup): CgroupSupport {
  const mode = cgroupMode(root);
  const wanted = ['memory', 'pids', 'cpu', 'freezer'];
  if (mode === 'none') return { mode, limits: [], note: 'No cgroup filesystem is mounted at /sys/fs/cgroup, so --memory, --cpus and --pids-limit cannot be applied.' };
  if (mode === 'v1' || mode === 'hybrid') {
    const present = wanted.filter((c) => existsSync(path.join(root, c === 'cpu' ? 'cpu,cpuacct' : c)) || existsSync(path.join(root, c)));
    if (asRoot) return { mode, limits: present, note: '' };
    return {
      mode,
      limits: [],
      note: 'cgroup v1: only root can create cgroups, so --memory, --cpus and --pids-limit are not applied to rootless containers (pause uses SIGSTOP instead). Run Berth as root, or boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1), which delegates limits to users.',
    };
  }
  // v2: the user can create children in their own (delegated) cgroup's parent subtree.
  const own = ownCgroup();
  const base = asRoot ? root : own ? path.join(root, path.dirname(own)) : undefined;
  const controllers = (() => {
    try {
      return readFileSync(path.join(base ?? root, 'cgroup.subtree_control'), 'utf8').trim().split(/\s+/);
    } catch {
      return [];
    }
  })();
  let writable = asRoot;
  if (!asRoot && base) {
    try {
      accessSync(base, constants.W_OK);
      writable = true;
    } catch {
      writable = false;
    }
  }
  const limits = writable ? wanted.filter((c) => c === 'freezer' || controllers.includes(c)) : [];
  const missing = wanted.filter((c) => !limits.includes(c));
  return {
    mode,
    limits,
    note: missing.length === 0 ? '' : `cgroup v2: ${missing.join(', ')} not delegated to this user, so those limits are not applied. With systemd, \`systemctl --user\` sessions get memory, pids and cpu delegated (Delegate=yes).`,
  };
}

/** This boot of the host (empty when /proc does not say). */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}
