/**
 * `--mode bullmq`'s two processes (ROLE=producer | worker): bare BullMQ add → no-op process on the same Redis, with
 * the product's queue settings (packages/queue: default job options, bullmq-otel telemetry, worker options) and
 * tracing initialised from the same OTEL_* variables as the services. The ceiling the money path is compared with.
 * Times are epoch ms with sub-ms precision (timeOrigin + now), comparable across processes.
 *
 * Env: ROLE, REDIS_URL, REDIS_PREFIX, JOBS, CONCURRENCY, and the OTEL_* variables.
 */
import { otelEnv, parseEnv } from '@wagerflow/config';
// Not root dependencies (scripts may not add one): import their source directly.
import { JOBS } from '@wagerflow/contracts';
import { createQueue, createRedis, createWorker, type Handlers } from '@wagerflow/queue';
import { initTelemetry } from '@wagerflow/runtime';
import { buildIntents } from './ledger-prefill.js';
import { mapLimit } from './player-setup.js';

const now = () => performance.timeOrigin + performance.now();
const role = process.env.ROLE;
const redisUrl = process.env.REDIS_URL ?? '';
const prefix = process.env.REDIS_PREFIX ?? '';
const jobs = Number(process.env.JOBS);
const concurrency = Number(process.env.CONCURRENCY ?? 256);
const telemetry = initTelemetry(`bench-bullmq-${role}`, parseEnv(otelEnv, process.env));
const send = (m: Record<string, unknown>) => process.send?.(m);

async function produce(): Promise<void> {
  const connection = createRedis(redisUrl, 'blocking');
  const queue = createQueue('ledger', connection, prefix);
  await queue.queue.waitUntilReady();
  // The same payload as a gateway bet (one intent), built before the clock starts.
  const intents = buildIntents(['p-1', 'p-2', 'p-3', 'p-4'], jobs, 10);
  const firstAt = now();
  await mapLimit(intents, concurrency, (intent) =>
    queue.add('place-bets', { bets: [intent] }, { jobId: `b-${intent.playerId}-${intent.clientBetId}` }),
  );
  send({ type: 'added', firstAt, lastAt: now() });
  // Stay until asked to stop, so the bench can still read this process's CPU time from /proc.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void (async () => {
        await queue.close();
        await connection.quit().catch(() => undefined);
        await telemetry.shutdown();
        process.exit(0);
      })();
    });
  }
}

function work(): void {
  const connection = createRedis(redisUrl, 'blocking');
  let completed = 0;
  let lastAt = 0;
  const worker = createWorker(
    'ledger',
    connection,
    prefix,
    // A no-op for every job name of the ledger queue (only place-bets is sent).
    Object.fromEntries(Object.keys(JOBS.ledger).map((name) => [name, async () => undefined])) as unknown as Handlers<'ledger'>,
    { concurrency, lockDurationMs: 30_000, stalledIntervalMs: 30_000 },
  );
  worker.worker.on('completed', () => {
    completed += 1;
    lastAt = now();
    if (completed === jobs) send({ type: 'done', completed, lastAt });
  });
  setInterval(() => send({ type: 'progress', completed, lastAt }), 250).unref();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void (async () => {
        await worker.close(5_000);
        await connection.quit().catch(() => undefined);
        await telemetry.shutdown();
        process.exit(0);
      })();
    });
  }
  void worker.worker.waitUntilReady().then(() => send({ type: 'ready' }));
  void worker.worker.run();
}

if (role === 'producer') {
  produce().catch((err: unknown) => {
    process.stderr.write(`producer failed: ${String(err)}\n`);
    process.exit(1);
  });
} else if (role === 'worker') {
  work();
} else {
  process.stderr.write('ROLE must be producer or worker\n');
  process.exit(2);
}
