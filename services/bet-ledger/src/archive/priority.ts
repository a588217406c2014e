import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

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

/** How to start a Node process under Linux's SCHED_IDLE policy: util-linux's `chrt --idle 0` in front of `node`. */
export interface IdleLaunch {
  execPath: string;
  /** Goes before Node's own arguments (fork puts `execArgv` right after `execPath`). */
  prefix: string[];
}

/**
 * SCHED_IDLE where this machine can give it, else null. A nice value only weighs a process' share of the CPU: a niced
 * process that holds a core may keep it for the rest of its slice when a bet path process wakes up, and a bet crosses
 * about ten such wake-ups (gateway, Redis, bet-ledger, Postgres, loyalty). A SCHED_IDLE thread is told to give up its
 * core whenever a thread of another policy wakes on it (the kernel's wake-up check, before any fairness); what runs
 * next is still chosen between sessions by their weight, which the session's nice value sets. Node has no call to set a
 * scheduling policy, so the process is started through `chrt`, and every thread it ever starts inherits the policy.
 * Tried once (`chrt --idle 0 true`): a container may forbid the call, and a broken launcher would fail every partition.
 * The try runs as a child process without blocking the caller's event loop (a synchronous one took 8–9 ms here).
 */
export async function idleLaunch(candidates: readonly string[] = chrtCandidates()): Promise<IdleLaunch | null> {
  if (process.platform !== 'linux') return null;
  const chrt = candidates.find((file) => existsSync(file));
  if (!chrt) return null;
  try {
    await execFileAsync(chrt, ['--idle', '0', 'true'], { timeout: 5_000 });
    return { execPath: chrt, prefix: ['--idle', '0', process.execPath] };
  } catch {
    return null; // refused here (or timed out): the nice value only
  }
}

const execFileAsync = promisify(execFile);

const chrtCandidates = (): string[] =>
  [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/bin'].map((dir) => path.join(dir, 'chrt'));
