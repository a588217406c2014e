/**
 * A server process we spawn ourselves: in its own process group (a terminal Ctrl-C reaches only the launcher, which
 * stops services first and databases last), its output tail kept for error messages, and a bounded stop.
 */
import { type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { waitUntil } from './wait-until.js';

/** Keeps the last lines a process printed (for error messages) and optionally appends them to a file. */
export class OutputTail {
  private readonly lines: string[] = [];
  private file: WriteStream | undefined;
  constructor(
    logFile: string | undefined,
    private readonly max = 60,
  ) {
    this.file = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
    // A log file we cannot write must not crash the process; the tail is still kept in memory.
    this.file?.on('error', () => (this.file = undefined));
  }
  attach(child: ChildProcess): void {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.push(line));
    }
  }
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    this.file?.write(line + '\n');
  }
  text(): string {
    return this.lines.map((l) => `    ${l}`).join('\n');
  }
  close(): void {
    this.file?.end();
    this.file = undefined;
  }
}

/** A spawned server: resolves `exited` when it ends; kills it when this Node process exits. */
export class ManagedProcess {
  readonly exited: Promise<void>;
  private done = false;
  /** Why the process could not be started, when it could not. */
  spawnError: Error | undefined;
  private readonly onProcessExit = () => this.signalGroup(this.exitSignal);

  constructor(
    readonly child: ChildProcess,
    private readonly exitSignal: NodeJS.Signals,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        this.done = true;
        process.removeListener('exit', this.onProcessExit);
        resolve();
      });
      child.once('error', (err) => {
        // spawn failure (e.g. EACCES on the binary): no 'exit' follows
        this.spawnError = err;
        this.done = true;
        process.removeListener('exit', this.onProcessExit);
        resolve();
      });
    });
    // Our children run in their own process group: if this process dies without stopping them, ask them to go.
    process.on('exit', this.onProcessExit);
  }

  get running(): boolean {
    return !this.done;
  }

  signalGroup(signal: NodeJS.Signals): void {
    if (this.done || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }

  /** `signal`, then SIGKILL (whole group) after `graceMs`. */
  async stop(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    if (this.done) return;
    this.signalGroup(signal);
    if (!(await settlesWithin(this.exited, graceMs))) {
      this.signalGroup('SIGKILL');
      await this.exited;
    }
  }
}

/** Whether `promise` settles within `ms` (the timer is cleared either way): a bounded wait for a process to exit. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return settled;
}

/** Race `waitUntil(ready)` against the process dying; on failure stop it and explain with its output. */
async function waitForServer(
  proc: ManagedProcess,
  tail: OutputTail,
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const abort = new AbortController();
  const died = proc.exited.then(() => {
    throw new Error(`${what} exited during startup${proc.spawnError ? ` (${proc.spawnError.message})` : ''}`);
  });
  try {
    await Promise.race([
      waitUntil(ready, { timeoutMs, intervalMs: 100, description: `${what} to accept connections`, signal: abort.signal }),
      died,
    ]);
  } catch (err) {
    await proc.stop('SIGKILL', 5_000);
    tail.close();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}. Its output:\n${tail.text()}`, { cause: err });
  } finally {
    abort.abort();
    died.catch(() => undefined);
  }
}

export interface ServerSupervision {
  /** For messages: `redis-server on port 6390`. */
  what: string;
  /** True once the server answers (a query, a PING). */
  ready: () => Promise<boolean>;
  startTimeoutMs: number;
  /** How the server is asked to stop (and is stopped when this Node process exits); SIGKILL after `stopGraceMs`. */
  stopSignal: NodeJS.Signals;
  stopGraceMs: number;
  /** What goes with the server, on a failed start and after a stop (its throwaway folder). */
  cleanup: () => Promise<void>;
}

/**
 * Supervise a server just spawned in its own process group: its output kept in `tail`, ready when `ready` answers
 * (a start that fails or times out stops it, cleans up and throws with its output). Returns its stop: idempotent and
 * bounded.
 */
export async function superviseServer(child: ChildProcess, tail: OutputTail, o: ServerSupervision): Promise<() => Promise<void>> {
  const proc = new ManagedProcess(child, o.stopSignal);
  tail.attach(child);
  try {
    await waitForServer(proc, tail, o.what, o.ready, o.startTimeoutMs);
  } catch (err) {
    await o.cleanup();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      await proc.stop(o.stopSignal, o.stopGraceMs);
      tail.close();
      await o.cleanup();
    })());
}
