/**
 * `top` and `stats`. Numbers come from the container's cgroup when it has one, and from
 * /proc otherwise (rootless on cgroup v1), so both commands work for every user.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ContainerStats, ProcessRow } from './container';
import { readCgroup } from './freezer';
import { formatCpuTime, pidsInNamespace, readProcStat, TICKS_PER_SECOND } from './procfs';
import { ContainerDir } from './state-store';

export async function top(initPid: number, userName: (uid: number) => string): Promise<ProcessRow[]> {
  const rows: ProcessRow[] = [];
  for (const pid of await pidsInNamespace(initPid)) {
    const stat = readProcStat(pid);
    if (stat) rows.push({ pid, ppid: stat.ppid, user: userName(stat.uid), time: formatCpuTime(stat.cpuTicks), command: stat.command });
  }
  return rows;
}

async function readNumber(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

interface Sample {
  cpuNanos: number;
  memory: number;
  memoryLimit?: number;
  pids: number;
}

async function sampleCgroup(dir: ContainerDir): Promise<Sample | undefined> {
  const cg = await readCgroup(dir);
  if (!cg) return undefined;
  if (cg.version === 2 && cg.paths.unified) {
    const base = cg.paths.unified;
    const cpuStat = await fs.readFile(path.join(base, 'cpu.stat'), 'utf8').catch(() => '');
    const usec = Number(/usage_usec (\d+)/.exec(cpuStat)?.[1] ?? 0);
    const max = (await fs.readFile(path.join(base, 'memory.max'), 'utf8').catch(() => 'max')).trim();
    return {
      cpuNanos: usec * 1000,
      memory: (await readNumber(path.join(base, 'memory.current'))) ?? 0,
      memoryLimit: max === 'max' ? undefined : Number(max),
      pids: (await readNumber(path.join(base, 'pids.current'))) ?? 0,
    };
  }
  const { memory, cpuacct, pids } = cg.paths;
  if (!memory && !cpuacct) return undefined;
  const limit = memory ? await readNumber(path.join(memory, 'memory.limit_in_bytes')) : undefined;
  return {
    cpuNanos: cpuacct ? (await readNumber(path.join(cpuacct, 'cpuacct.usage'))) ?? 0 : 0,
    memory: memory ? (await readNumber(path.join(memory, 'memory.usage_in_bytes'))) ?? 0 : 0,
    // v1 reports "no limit" as a huge page-aligned number.
    memoryLimit: limit !== undefined && limit < 2 ** 62 ? limit : undefined,
    pids: pids ? (await readNumber(path.join(pids, 'pids.current'))) ?? 0 : 0,
  };
}

async function sampleProc(initPid: number): Promise<Sample> {
  let ticks = 0;
  let rss = 0;
  const pids = await pidsInNamespace(initPid);
  for (const pid of pids) {
    const stat = readProcStat(pid);
    if (!stat) continue;
    ticks += stat.cpuTicks;
    rss += stat.rssBytes;
  }
  return { cpuNanos: (ticks / TICKS_PER_SECOND) * 1e9, memory: rss, pids: pids.length };
}

/** Two samples `windowMs` apart, like `docker stats --no-stream`. */
export async function stats(dir: ContainerDir, initPid: number, id: string, name: string, windowMs = 500): Promise<ContainerStats> {
  const sample = async () => ({ at: process.hrtime.bigint(), cg: await sampleCgroup(dir), proc: await sampleProc(initPid) });
  const first = await sample();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const second = await sample();
  const source = second.cg ? 'cgroup' : 'proc';
  const a = first.cg ?? first.proc;
  const b = second.cg ?? second.proc;
  const elapsed = Number(second.at - first.at);
  return {
    id,
    name,
    cpuPercent: elapsed > 0 ? Math.max(0, ((b.cpuNanos - a.cpuNanos) / elapsed) * 100) : 0,
    memoryUsage: b.memory,
    memoryLimit: b.memoryLimit,
    pids: b.pids || second.proc.pids,
    source,
  };
}
