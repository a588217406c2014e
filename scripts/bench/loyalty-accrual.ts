/**
 * `--mode loyalty`, accrual half: the loyalty queue pre-filled with `--plays` plays over `--players` players, then one
 * consumer started alone and timed until every play is committed. `loyalty`: the service through the launcher's
 * orchestrator (jobs of `--plays-per-job` plays, group-committed); `baseline`: baseline-loyalty.worker.ts (one play a
 * job, one transaction a play). Both: concurrency 256, pool 10, a fresh database; slips stay open (SLIP_IDLE_MS 1 h).
 *
 * Completion and timing come from the consumer's own counter `wagerflow_loyalty_plays_total` (all effects), polled on
 * its `/metrics` every 50 ms from the moment it is spawned (loyalty serves it from its ops port before it takes jobs),
 * not from Postgres; one count of the tables at the end checks that every play landed in its slip. CPU is measured over
 * the same window as the throughput (first → last commit): boot is not charged to the plays.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { randomId } from '@wagerflow/local-servers';
import type { BenchContext } from './bench-context.js';
import { startHelper } from './child-process-runner.js';
import { infraCpuTargets, startCpuMeter, type CpuMeter } from './cpu-meter.js';
import { CommitWatch, buildPlays, playsByEffect, type PlaysByEffect } from './loyalty-plays.js';
import { prefillLoyaltyQueue } from './loyalty-prefill.js';
import { startOtlpSink } from './otlp-sink.js';
import { startBenchPlatform, telemetryEnv } from './platform-runner.js';
import { startProgress } from './progress-reporter.js';
import type { LoyaltyAccrualResult, LoyaltyBatches } from './result-types.js';
import { scrapeTotals, type MetricTotals } from './service-metrics.js';

export const ACCRUAL_CONCURRENCY = 256;
export const ACCRUAL_POOL_SIZE = 10;
const POLL_INTERVAL_MS = 50;
const TIMEOUT_MS = 900_000;
/** Slips stay open for the whole run: the sweep closes none of them. */
const SLIP_IDLE_MS = 3_600_000;

interface PlaysPoller {
  watch: CommitWatch;
  latest: PlaysByEffect;
  /** Resolves when every play is committed; rejects on timeout, Ctrl-C, or a consumer that died. */
  done: Promise<void>;
  stop(): void;
}

/** Polls `<url()>/metrics` until the counter reaches the target. `url()` undefined or unreachable: not up yet. */
function pollPlays(
  url: () => string | undefined,
  target: number,
  signal: AbortSignal,
  died: Promise<string>,
  onFirstCommit: () => void,
): PlaysPoller {
  const watch = new CommitWatch(target);
  const state: { stopped: boolean; latest: PlaysByEffect } = { stopped: false, latest: { counted: 0, voided: 0, ignored: 0, total: 0 } };
  let death: string | undefined;
  void died.then((why) => (death = why));
  const done = (async () => {
    const deadline = performance.now() + TIMEOUT_MS;
    while (!state.stopped) {
      if (signal.aborted) throw new Error('interrupted');
      if (death !== undefined) throw new Error(death);
      if (performance.now() > deadline) throw new Error(`only ${watch.committed} of ${target} plays within ${TIMEOUT_MS / 1000} s`);
      const base = url();
      let text: string | undefined;
      if (base) {
        try {
          const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5_000) });
          if (res.ok) text = await res.text();
        } catch {
          // Not listening yet: the next poll will tell.
        }
      }
      if (text !== undefined) {
        state.latest = playsByEffect(text);
        const seen = watch.firstAt !== null;
        const done = watch.observe(state.latest.total, performance.now());
        if (!seen && watch.firstAt !== null) onFirstCommit();
        if (done) return;
      }
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    }
  })();
  return {
    watch,
    get latest() {
      return state.latest;
    },
    done,
    stop: () => void (state.stopped = true),
  };
}

async function tableCounts(databaseUrl: string): Promise<LoyaltyAccrualResult['db']> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ plays: string; slips: string; open: string; bets: string | null; wagered: string | null }>(
      `SELECT (SELECT count(*) FROM slip_plays) AS plays, count(*) AS slips, count(*) FILTER (WHERE status = 'open') AS open,
              sum(bet_count) AS bets, sum(wagered) AS wagered
         FROM rating_slips`,
    );
    const r = rows[0]!;
    return {
      slipPlays: Number(r.plays),
      slips: Number(r.slips),
      openSlips: Number(r.open),
      betCount: Number(r.bets ?? 0),
      wagered: Number(r.wagered ?? 0),
      consistent: false,
    };
  } finally {
    await client.end();
  }
}

function loyaltyBatches(after: MetricTotals | null): LoyaltyBatches | null {
  const batches = after?.get('wagerflow_loyalty_play_batch_seconds_count');
  if (!after || batches === undefined) return null;
  const plays = after.get('wagerflow_loyalty_plays_total');
  const seconds = after.get('wagerflow_loyalty_play_batch_seconds_sum');
  return {
    batches,
    meanPlaysPerBatch: batches > 0 && plays !== undefined ? plays / batches : null,
    meanBatchMs: batches > 0 && seconds !== undefined ? (seconds * 1000) / batches : null,
  };
}

export async function runAccrual(ctx: BenchContext, consumer: 'loyalty' | 'baseline'): Promise<LoyaltyAccrualResult> {
  const { opts, infra, cleanup, log } = ctx;
  const mark = cleanup.mark();
  const label = consumer === 'loyalty' ? 'loyalty accrual' : 'baseline accrual';
  try {
    const databaseUrl = await infra.freshDatabase(`loyalty-${consumer}`);
    const prefix = `bench-${randomId(3)}`;
    const playerIds = Array.from({ length: opts.loyaltyPlayers }, () => randomUUID());
    const playsPerJob = consumer === 'loyalty' ? opts.playsPerJob : 1;
    const plays = buildPlays(playerIds, opts.plays, opts.stake);
    log(`${label}: queueing ${opts.plays} plays, ${playsPerJob} per plays job, over ${playerIds.length} players…`);
    const prefill = await prefillLoyaltyQueue(infra.redisUrl, prefix, plays, playsPerJob);
    log(`${label}: ${prefill.jobs} jobs queued in ${prefill.seconds.toFixed(1)} s; starting the consumer`);

    let otlpEndpoint: string | undefined;
    if (opts.telemetry) {
      const sink = await startOtlpSink();
      cleanup.add('OTLP sink', () => sink.close());
      otlpEndpoint = sink.endpoint;
    }
    const targets = infraCpuTargets(infra);
    let pid: () => number | undefined = () => undefined;
    let opsUrl: string | undefined;
    let spawnedAt = 0;
    let exitReason: (why: string) => void = () => undefined;
    const died = new Promise<string>((resolve) => (exitReason = resolve));
    // CPU over the throughput window (first → last commit), so that a consumer's boot is not charged to its plays.
    targets.unshift({ name: consumer === 'loyalty' ? 'loyalty' : 'baseline-loyalty', pid: () => pid() });
    let meter: CpuMeter | undefined;
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const poller = pollPlays(
      () => opsUrl,
      opts.plays,
      abort.signal,
      died,
      () => (meter = startCpuMeter(targets)),
    );
    poller.done.catch(() => undefined);
    const started = performance.now();
    const progress = startProgress(() => ({
      label,
      elapsedMs: performance.now() - started,
      totalMs: 0,
      sent: opts.plays,
      outcomes: poller.watch.committed,
      errors: 0,
      p99Ms: null,
      sendLagP99Ms: null,
    }));
    try {
      if (consumer === 'loyalty') {
        spawnedAt = performance.now();
        const bench = await startBenchPlatform(
          {
            databaseUrl,
            redisUrl: infra.redisUrl,
            redisPrefix: prefix,
            services: ['loyalty'],
            otlpEndpoint,
            profile: opts.profile.includes('loyalty') ? { services: ['loyalty'], dir: path.join(ctx.profileDir, 'accrual') } : undefined,
            env: {
              LOYALTY_CONCURRENCY: String(ACCRUAL_CONCURRENCY),
              PG_POOL_SIZE: String(ACCRUAL_POOL_SIZE),
              SLIP_IDLE_MS: String(SLIP_IDLE_MS),
            },
            verbose: opts.verbose,
            onSpawned: (platform) => {
              const service = platform.services.get('loyalty')!;
              pid = () => service.pid;
              opsUrl = service.opsUrl;
            },
          },
          cleanup,
        );
        const service = bench.platform.services.get('loyalty')!;
        const restartsAtStart = service.restarts;
        const watchdog = setInterval(() => {
          if (service.restarts !== restartsAtStart) exitReason(`loyalty restarted:\n${bench.tail().join('\n')}`);
        }, 500);
        cleanup.add('restart watchdog', () => clearInterval(watchdog));
      } else {
        const helper = startHelper(
          'baseline-loyalty.worker.ts',
          {
            DATABASE_URL: databaseUrl,
            REDIS_URL: infra.redisUrl,
            REDIS_PREFIX: prefix,
            LOYALTY_CONCURRENCY: String(ACCRUAL_CONCURRENCY),
            PG_POOL_SIZE: String(ACCRUAL_POOL_SIZE),
            ...telemetryEnv(otlpEndpoint),
          },
          opts.verbose,
        );
        cleanup.add('baseline loyalty worker', () => helper.stop());
        spawnedAt = helper.spawnedAt;
        pid = () => helper.pid;
        void helper.exited.then((code) => exitReason(`the baseline worker exited (${code}):\n${helper.tail().join('\n')}`));
        helper.onMessage((m) => {
          const msg = m as { type?: string; port?: number };
          if (msg.type !== 'listening') return;
          opsUrl = `http://127.0.0.1:${msg.port}`;
          helper.child.send({ type: 'run' });
        });
      }
      await poller.done;
    } finally {
      poller.stop();
      progress.stop();
      ctx.signal.removeEventListener('abort', onAbort);
    }
    const cpu = meter!.stop();
    const batches = consumer === 'loyalty' && opsUrl ? loyaltyBatches(await scrapeTotals(opsUrl)) : null;
    const db = await tableCounts(databaseUrl);
    db.consistent =
      db.slipPlays === opts.plays &&
      db.betCount === opts.plays &&
      db.wagered === opts.plays * opts.stake &&
      db.openSlips === Math.min(opts.plays, playerIds.length) &&
      db.slips === db.openSlips;
    if (!db.consistent) log(`${label}: the tables do not hold what was queued: ${JSON.stringify(db)}`);
    const first = poller.watch.firstAt!;
    const last = poller.watch.lastAt!;
    const { counted, voided, ignored } = poller.latest;
    return {
      consumer,
      plays: opts.plays,
      playsPerJob,
      jobs: prefill.jobs,
      players: playerIds.length,
      stake: opts.stake,
      concurrency: ACCRUAL_CONCURRENCY,
      poolSize: ACCRUAL_POOL_SIZE,
      playsPerSec: poller.watch.perSecond(),
      firstCommitPlays: poller.watch.firstValue,
      playsPerSecFromSpawn: opts.plays / Math.max(0.001, (last - spawnedAt) / 1000),
      drainSeconds: (last - first) / 1000,
      bootToFirstCommitMs: first - spawnedAt,
      prefillSeconds: prefill.seconds,
      effects: { counted, voided, ignored },
      db,
      batches,
      pollIntervalMs: POLL_INTERVAL_MS,
      cpu,
    };
  } finally {
    await cleanup.unwindTo(mark, log);
  }
}
