/**
 * Runs a bench helper (the baseline ledger worker, the bare BullMQ producer and worker) as its own Node process,
 * like a service: its CPU can then be read from /proc and it does not share the generator's event loop. Its own
 * process group (Ctrl-C reaches only the bench, which stops it), an IPC channel for progress messages, the last
 * output lines kept for errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface HelperProcess {
  child: ChildProcess;
  readonly pid: number | undefined;
  spawnedAt: number;
  exited: Promise<number | null>;
  tail(): string[];
  onMessage(fn: (m: unknown) => void): void;
  stop(): Promise<void>;
}

export function startHelper(file: string, env: Record<string, string | undefined>, verbose: boolean): HelperProcess {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('scripts', 'bench', file)], {
    cwd: ROOT_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 50) lines.shift();
      if (verbose) process.stderr.write(`${file} | ${line}\n`);
    });
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  return {
    child,
    get pid() {
      return child.pid;
    },
    spawnedAt,
    exited,
    tail: () => [...lines],
    onMessage: (fn) => void child.on('message', fn),
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(timer);
        }
        process.removeListener('exit', killOnExit);
      })()),
  };
}
