import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ArchivePartitionJob, ArchivePartitionResult } from '@wagerflow/contracts';
import type { Logger } from '@wagerflow/runtime';
import type { LedgerConfig } from '../config.js';

/** What the thread is started with (structured-cloned: the parsed config is plain data). */
export interface ThreadData {
  config: LedgerConfig;
}
export type ThreadRequest = { type: 'run'; id: number; job: ArchivePartitionJob } | { type: 'close' };
export type ThreadReply =
  { id: number; result: ArchivePartitionResult } | { id: number; error: { name: string; message: string; stack?: string } };

export interface ArchiveThread {
  /** Archive one partition in the thread (started on first use, and again after it died). */
  run(job: ArchivePartitionJob): Promise<ArchivePartitionResult>;
  /** Let the thread end its Postgres pool and exit (terminated after `timeoutMs`). */
  close(timeoutMs: number): Promise<void>;
}

/** tsx's ESM API module (by its package.json `exports`), found from `entry` the way Node finds a package. */
function tsxEsmApi(entry: URL): string {
  const pkgJson = createRequire(entry).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pkg.exports['./esm/api']?.import.default;
  if (!api) throw new Error(`${pkgJson} exports no ./esm/api`);
  return pathToFileURL(join(dirname(pkgJson), api)).href;
}

/**
 * The bundle's `.js` entry runs as it is. A `.ts` entry (tsx in development, vitest) needs tsx's loader in the thread,
 * and Node 20 passes it on neither by inheritance nor by `--import` in `execArgv`: a small script registers it in the
 * thread first, then imports the entry.
 */
function spawnWorker(entry: URL, workerData: ThreadData): Worker {
  if (!fileURLToPath(entry).endsWith('.ts')) return new Worker(entry, { workerData });
  const code = `import(${JSON.stringify(tsxEsmApi(entry))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}

function toError(e: { name: string; message: string; stack?: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

/**
 * The archive executor's thread, seen from bet-ledger's main thread: one `worker_threads` Worker running
 * partition.thread.ts. A partition is posted to it and its result (or error, with its name kept) comes back; if the
 * thread dies, the partition in flight fails (BullMQ retries it, and the executor is idempotent) and the next one
 * starts a new thread.
 */
export function startArchiveThread(entry: URL, config: LedgerConfig, logger: Logger): ArchiveThread {
  let worker: Worker | null = null;
  let nextId = 1;
  // Per thread: a thread that dies fails its own partitions, never those already posted to its successor.
  const pending = new Map<Worker, Map<number, { resolve: (r: ArchivePartitionResult) => void; reject: (e: Error) => void }>>();

  const failAll = (w: Worker, err: Error) => {
    for (const p of pending.get(w)?.values() ?? []) p.reject(err);
    pending.delete(w);
  };

  const spawn = (): Worker => {
    const w = spawnWorker(entry, { config });
    pending.set(w, new Map());
    w.on('message', (reply: ThreadReply) => {
      const calls = pending.get(w);
      const p = calls?.get(reply.id);
      if (!p) return;
      calls?.delete(reply.id);
      if ('error' in reply) p.reject(toError(reply.error));
      else p.resolve(reply.result);
    });
    w.on('error', (err) => {
      logger.error({ err }, 'archive executor thread failed');
      if (worker === w) worker = null;
      failAll(w, err);
    });
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      failAll(w, new Error(`archive executor thread exited (code ${code}) with a partition in flight`));
    });
    return w;
  };

  return {
    run(job) {
      worker ??= spawn();
      const w = worker;
      const id = nextId++;
      return new Promise<ArchivePartitionResult>((resolve, reject) => {
        pending.get(w)?.set(id, { resolve, reject });
        w.postMessage({ type: 'run', id, job } satisfies ThreadRequest);
      });
    },
    async close(timeoutMs) {
      const w = worker;
      worker = null;
      if (!w) return;
      const exited = once(w, 'exit');
      w.postMessage({ type: 'close' } satisfies ThreadRequest);
      const timer = setTimeout(() => void w.terminate(), timeoutMs);
      await exited.catch(() => undefined);
      clearTimeout(timer);
    },
  };
}
