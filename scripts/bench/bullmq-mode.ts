/**
 * `--mode bullmq`: the bare queue's ceiling on this machine — a producer process adding `--bets` place-bets jobs
 * (256 adds in flight) while a worker process (concurrency 256) completes them with a no-op, both with the
 * product's queue and telemetry settings. Throughput = jobs ÷ (first add → last completion).
 */
import { randomId } from '@wagerflow/local-servers';
import type { BenchContext } from './bench-context.js';
import { startHelper, type HelperProcess } from './child-process-runner.js';
import { startCpuMeter, type CpuTarget } from './cpu-meter.js';
import { startOtlpSink } from './otlp-sink.js';
import { telemetryEnv } from './platform-runner.js';
import { startProgress } from './progress-reporter.js';
import type { BullmqResult } from './result-types.js';

const CONCURRENCY = 256;

interface Msg {
  type: string;
  completed?: number;
  firstAt?: number;
  lastAt?: number;
}

function nextMessage(helper: HelperProcess, type: string, timeoutMs: number, signal: AbortSignal): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${type}" from the helper within ${timeoutMs / 1000} s:\n${helper.tail().join('\n')}`)),
      timeoutMs,
    );
    signal.addEventListener('abort', () => reject(new Error('interrupted')), { once: true });
    void helper.exited.then((code) => reject(new Error(`helper exited (${code}) before "${type}":\n${helper.tail().join('\n')}`)));
    helper.onMessage((m) => {
      if ((m as Msg).type === type) {
        clearTimeout(timer);
        resolve(m as Msg);
      }
    });
  });
}

export async function runBullmqMode(ctx: BenchContext): Promise<BullmqResult> {
  const { opts, infra, cleanup, log } = ctx;
  const mark = cleanup.mark();
  try {
    const prefix = `bench-${randomId(3)}`;
    let otlpEndpoint: string | undefined;
    if (opts.telemetry) {
      const sink = await startOtlpSink();
      cleanup.add('OTLP sink', () => sink.close());
      otlpEndpoint = sink.endpoint;
    }
    const env = {
      REDIS_URL: infra.redisUrl,
      REDIS_PREFIX: prefix,
      JOBS: String(opts.bets),
      CONCURRENCY: String(CONCURRENCY),
      ...telemetryEnv(otlpEndpoint),
    };
    const worker = startHelper('bullmq-pipeline.child.ts', { ...env, ROLE: 'worker' }, opts.verbose);
    cleanup.add('bullmq worker', () => worker.stop());
    let completed = 0;
    worker.onMessage((m) => {
      if ((m as Msg).type === 'progress') completed = (m as Msg).completed ?? completed;
    });
    await nextMessage(worker, 'ready', 60_000, ctx.signal);
    log(`bullmq: adding ${opts.bets} jobs while a no-op worker processes them…`);
    // Spawned after the meter starts, so its CPU counts from zero.
    const spawned: { producer?: HelperProcess } = {};
    const targets: CpuTarget[] = [
      { name: 'bullmq worker', pid: () => worker.pid },
      { name: 'bullmq producer', pid: () => spawned.producer?.pid },
    ];
    if (infra.redisPid) targets.push({ name: 'redis-server', pid: () => infra.redisPid });
    const meter = startCpuMeter(targets);
    const done = nextMessage(worker, 'done', 600_000, ctx.signal);
    done.catch(() => undefined);
    const producer = (spawned.producer = startHelper('bullmq-pipeline.child.ts', { ...env, ROLE: 'producer' }, opts.verbose));
    cleanup.add('bullmq producer', () => producer.stop());
    const started = performance.now();
    const progress = startProgress(() => ({
      label: 'bullmq',
      elapsedMs: performance.now() - started,
      totalMs: 0,
      sent: opts.bets,
      outcomes: completed,
      errors: 0,
      p99Ms: null,
      sendLagP99Ms: null,
    }));
    let added: Msg;
    let finished: Msg;
    try {
      added = await nextMessage(producer, 'added', 600_000, ctx.signal);
      finished = await done;
    } finally {
      progress.stop();
    }
    const cpu = meter.stop();
    const seconds = (finished.lastAt! - added.firstAt!) / 1000;
    return {
      mode: 'bullmq',
      jobs: opts.bets,
      producerConcurrency: CONCURRENCY,
      workerConcurrency: CONCURRENCY,
      jobsPerSec: opts.bets / Math.max(0.001, seconds),
      addPerSec: opts.bets / Math.max(0.001, (added.lastAt! - added.firstAt!) / 1000),
      seconds,
      cpu,
    };
  } finally {
    await cleanup.unwindTo(mark, log);
  }
}
