/**
 * What /proc tells about a container's processes. Used where cgroups are not available
 * (rootless on cgroup v1): `top`, `stats` and the SIGSTOP-based pause all need the set
 * of host pids in the container's pid namespace.
 */
import * as fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100;
const PAGE_SIZE = 4096;

async function nsOf(pid: number | string): Promise<string | undefined> {
  return fs.readlink(`/proc/${pid}/ns/pid`).catch(() => undefined);
}

/** Host pids of every process in the pid namespace whose init is `initPid` (init first). */
export async function pidsInNamespace(initPid: number): Promise<number[]> {
  const ns = await nsOf(initPid);
  if (!ns) return [];
  const entries = (await fs.readdir('/proc')).filter((n) => /^\d+$/.test(n));
  const matches = await Promise.all(entries.map(async (p) => ((await nsOf(p)) === ns ? Number(p) : undefined)));
  const pids = matches.filter((p): p is number => p !== undefined);
  return [initPid, ...pids.filter((p) => p !== initPid).sort((a, b) => a - b)];
}

export interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  rssBytes: number;
  uid: number;
  command: string;
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return {
      pid,
      ppid: Number(rest[1]),
      state: rest[0],
      cpuTicks: Number(rest[11]) + Number(rest[12]),
      rssBytes: Number(rest[21]) * PAGE_SIZE,
      uid,
      command: cmdline || stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    };
  } catch {
    return undefined;
  }
}

export function formatCpuTime(ticks: number): string {
  const total = Math.floor(ticks / CLOCK_TICKS);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

export const TICKS_PER_SECOND = CLOCK_TICKS;
