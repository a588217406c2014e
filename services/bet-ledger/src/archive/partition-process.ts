import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ArchivePartitionJob, ArchivePartitionResult } from '@wagerflow/contracts';
import type { Logger } from '@wagerflow/runtime';
import type { LedgerConfig } from '../config.js';
import { idleLaunch, lowerPriority, type IdleLaunch } from './priority.js';

export type ExecutorRequest =
  { type: 'start'; config: LedgerConfig } | { type: 'run'; id: number; job: ArchivePartitionJob } | { type: 'close' };
export type ExecutorReply =
  { id: number; result: ArchivePartitionResult } | { id: number; error: { name: string; message: string; stack?: string } };

export interface ArchiveExecutor {
  /** Archive one partition in the executor process (started on first use, and again after it died). */
  run(job: ArchivePartitionJob): Promise<ArchivePartitionResult>;
  /** Let the process end its Postgres pool and exit (killed after `timeoutMs`). */
  close(timeoutMs: number): Promise<void>;
}

/** What the process prints last to stderr, kept to say why it died (a failed import prints nothing else). */
const STDERR_TAIL = 2_000;

/** The bundle's `.js` entry runs as it is; a `.ts` entry (tsx in development, vitest) needs tsx's loader. */
function execArgvFor(entry: URL): string[] {
  if (!fileURLToPath(entry).endsWith('.ts')) return [];
  return ['--import', pathToFileURL(createRequire(entry).resolve('tsx')).href];
}

function toError(e: { name: string; message: string; stack?: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

/** The line of a dead process' stderr that says why: its last error, else its last line. */
function lastWords(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.findLast((l) => l.includes('Error')) ?? lines.at(-1) ?? '';
}

type Calls = Map<number, { resolve: (r: ArchivePartitionResult) => void; reject: (e: Error) => void }>;

/** One forked process and the partitions sent to it that have not answered yet. */
interface Executor {
  proc: ChildProcess;
  calls: Calls;
}

/**
 * The archive executor, seen from bet-ledger: one child process running partition.process.ts, forked detached (a
 * session of its own, so that its lowered priority holds against the bet path's processes; it exits when bet-ledger's
 * channel closes), under SCHED_IDLE where it can be had (`idleLaunch`). A partition is sent to it and its result (or
 * error, with its name kept) comes back; if the process dies, the partition in flight fails (BullMQ retries it, and the
 * executor is idempotent) and the next one starts a new process.
 */
export function startArchiveProcess(entry: URL, config: LedgerConfig, logger: Logger): ArchiveExecutor {
  let current: Executor | null = null;
  let nextId = 1;
  // How to fork: under SCHED_IDLE through chrt when configured and this machine allows it, else plain node. Found once,
  // before the first fork, without blocking bet-ledger's event loop.
  let launch: Promise<IdleLaunch | null> | undefined;
  const findLaunch = async (): Promise<IdleLaunch | null> => {
    if (!config.ARCHIVE_EXECUTOR_SCHED_IDLE) return null;
    const found = await idleLaunch();
    if (!found) logger.warn('archive executor: SCHED_IDLE not available here (chrt); nice value only');
    return found;
  };

  /** A process that dies: the next partition forks a new one; it fails its own partitions, never its successor's. */
  const retire = (ex: Executor, err: Error) => {
    if (current === ex) current = null;
    for (const p of ex.calls.values()) p.reject(err);
    ex.calls.clear();
  };

  const spawn = (how: IdleLaunch | null): Executor => {
    const execArgv = execArgvFor(entry);
    const proc = fork(fileURLToPath(entry), [], {
      detached: true,
      ...(how ? { execPath: how.execPath, execArgv: [...how.prefix, ...execArgv] } : { execArgv }),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    // At once, not when the process is ready: its loading (1.3 s of CPU from source under tsx, measured with
    // /usr/bin/time) would otherwise run at the bet path's priority at the start of every archive run.
    if (config.ARCHIVE_EXECUTOR_NICE > 0 && proc.pid !== undefined) lowerPriority(proc.pid, config.ARCHIVE_EXECUTOR_NICE);
    const ex: Executor = { proc, calls: new Map() };
    let stderr = '';
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    proc.on('message', (reply: ExecutorReply) => {
      const p = ex.calls.get(reply.id);
      if (!p) return;
      ex.calls.delete(reply.id);
      if ('error' in reply) p.reject(toError(reply.error));
      else p.resolve(reply.result);
    });
    proc.on('error', (err) => {
      logger.error({ err }, 'archive executor process failed');
      retire(ex, err);
    });
    proc.on('exit', (code, signal) => {
      const inFlight = ex.calls.size > 0;
      const why = lastWords(stderr);
      const err = new Error(
        `archive executor process exited (code ${code}, signal ${signal}) with a partition in flight${why ? `: ${why}` : ''}`,
      );
      if (inFlight) logger.error({ code, signal }, err.message);
      retire(ex, err);
    });
    proc.send({ type: 'start', config } satisfies ExecutorRequest);
    return ex;
  };

  return {
    async run(job) {
      const how = await (launch ??= findLaunch());
      const ex = (current ??= spawn(how));
      const id = nextId++;
      return new Promise<ArchivePartitionResult>((resolve, reject) => {
        ex.calls.set(id, { resolve, reject });
        ex.proc.send({ type: 'run', id, job } satisfies ExecutorRequest);
      });
    },
    async close(timeoutMs) {
      const ex = current;
      current = null;
      if (!ex || ex.proc.exitCode !== null || ex.proc.signalCode !== null) return;
      const exited = once(ex.proc, 'exit');
      if (ex.proc.connected) ex.proc.send({ type: 'close' } satisfies ExecutorRequest);
      const timer = setTimeout(() => ex.proc.kill('SIGKILL'), timeoutMs);
      await exited.catch(() => undefined);
      clearTimeout(timer);
    },
  };
}
