import { readdirSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers a process' CPU priority on Linux: its session's (autogroup) nice and each of its threads' (threads started
 * later inherit their creator's). With autogroup scheduling (`kernel.sched_autogroup_enabled`, on by default in most
 * distributions) CPU is shared between sessions first, and a nice value only orders the threads inside one session:
 * a niced thread inside bet-ledger's session would yield to bet-ledger's own threads only. The archive executor runs
 * in a session of its own, so both are lowered: below the bet path either way. Elsewhere, or without /proc, nothing
 * changes (the counts say what did).
 */
export function lowerPriority(pid: number | 'self', nice: number): { autogroup: boolean; threads: number } {
  const attempt = (fn: () => void): boolean => {
    try {
      fn();
      return true;
    } catch {
      return false; // no autogroup scheduling, a thread that has just ended, or not Linux
    }
  };
  const autogroup = attempt(() => writeFileSync(`/proc/${pid}/autogroup`, String(nice)));
  let tids: string[] = [];
  attempt(() => (tids = readdirSync(`/proc/${pid}/task`)));
  const threads = tids.filter((tid) => attempt(() => setPriority(Number(tid), nice))).length;
  return { autogroup, threads };
}
