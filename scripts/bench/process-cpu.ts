/**
 * CPU time of processes from /proc (Linux): utime + stime of /proc/<pid>/stat for the services, the whole machine's
 * busy share from /proc/stat (the machine is shared, so its load is part of the reading). Snapshots are taken
 * before and after the measured window; only the difference is reported.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

let clockTicks: number | undefined;

/** USER_HZ (clock ticks per second) of /proc's times; 100 on practically every Linux. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface ProcStat {
  ppid: number;
  /** utime + stime, clock ticks. */
  ticks: number;
  /** cutime + cstime: reaped children (Postgres backends that exited), clock ticks. */
  childTicks: number;
}

/**
 * Parse a /proc/<pid>/stat line. The command name (field 2) is in parentheses and may contain spaces or ')', so
 * fields are counted from the last ')'. After it: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
 */
export function parseProcStat(line: string): ProcStat {
  const rest = line
    .slice(line.lastIndexOf(')') + 2)
    .trim()
    .split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  return { ppid: field(4), ticks: field(14) + field(15), childTicks: field(16) + field(17) };
}

export function readProcStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** CPU ms used so far by `pid` (null when it is gone). */
export function processCpuMs(pid: number): number | null {
  const s = readProcStat(pid);
  return s ? (s.ticks * 1000) / clockTicksPerSecond() : null;
}

/**
 * CPU ms of a process tree one level deep (Postgres: the postmaster, its live backends, and the reaped ones
 * accounted in its cutime/cstime).
 */
export function processTreeCpuMs(pid: number): number | null {
  const root = readProcStat(pid);
  if (!root) return null;
  let ticks = root.ticks + root.childTicks;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readProcStat(Number(entry));
    if (s && s.ppid === pid) ticks += s.ticks;
  }
  return (ticks * 1000) / clockTicksPerSecond();
}

/** Parse the aggregate `cpu` line of /proc/stat into busy and total jiffies. */
export function parseProcStatCpuLine(text: string): { busy: number; total: number } | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest fields are already in user/nice)
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export function machineCpu(): { busy: number; total: number } | null {
  try {
    return parseProcStatCpuLine(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

export const coreCount = (): number => os.availableParallelism?.() ?? os.cpus().length;
