/**
 * `--mode ledger` and `--mode baseline-ledger`: the ledger alone on a pre-filled queue. Seed wallets, queue
 * `--bets` gateway-shaped jobs, subscribe to the outcome channel, then start the consumer (bet-ledger through the
 * orchestrator, or the one-transaction-per-bet baseline worker) and time it until every bet has its outcome.
 * Both run with the same concurrency (256) and pool size (10): the services' defaults.
 */
import pg from 'pg';
import { randomId } from '@wagerflow/local-servers';
import type { BenchContext } from './bench-context.js';
import { startHelper } from './child-process-runner.js';
import { infraCpuTargets, startCpuMeter } from './cpu-meter.js';
import { buildIntents, prefillLedgerQueue, seedWallets } from './ledger-prefill.js';
import { startOutcomeCounter } from './outcome-counter.js';
import { startBenchPlatform, telemetryEnv } from './platform-runner.js';
import { startProgress } from './progress-reporter.js';
import type { LedgerResult } from './result-types.js';
import { ledgerBatches, scrapeTotals } from './service-metrics.js';
import { startOtlpSink } from './otlp-sink.js';

const CONCURRENCY = 256;
const POOL_SIZE = 10;
const BALANCE = 1_000_000_000;

interface Consumer {
  pid(): number | undefined;
  spawnedAt: number;
}

async function countBets(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM bets');
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

export async function runLedgerMode(ctx: BenchContext, which: 'ledger' | 'baseline-ledger'): Promise<LedgerResult> {
  const { opts, infra, cleanup, log } = ctx;
  const mark = cleanup.mark();
  try {
    const databaseUrl = await infra.freshDatabase(which);
    const prefix = `bench-${randomId(3)}`;
    const bets = which === 'ledger' ? opts.bets : opts.baselineBets;
    const playerIds = await seedWallets(databaseUrl, opts.ledgerPlayers, BALANCE);
    // The baseline is the naive design: one bet per job, one transaction per bet.
    const betsPerJob = which === 'ledger' ? opts.betsPerJob : 1;
    log(`${which}: queueing ${bets} bets, ${betsPerJob} per place-bets job, over ${playerIds.length} wallets…`);
    const intents = buildIntents(playerIds, bets, opts.stake);
    const prefillSeconds = await prefillLedgerQueue(infra.redisUrl, prefix, intents, betsPerJob);
    log(`${which}: queued in ${prefillSeconds.toFixed(1)} s; starting the consumer`);

    const counter = await startOutcomeCounter(infra.redisUrl, prefix);
    cleanup.add('outcome subscriber', () => counter.close());
    let otlpEndpoint: string | undefined;
    if (opts.telemetry) {
      const sink = await startOtlpSink();
      cleanup.add('OTLP sink', () => sink.close());
      otlpEndpoint = sink.endpoint;
    }

    const targets = infraCpuTargets(infra);
    const name = which === 'ledger' ? 'bet-ledger' : 'baseline-ledger';
    // CPU from before the spawn: the consumer's boot is part of "from its start".
    let consumer: Consumer | undefined;
    let ledgerOps: string | undefined;
    const meter = startCpuMeter([{ name, pid: () => consumer?.pid() }, ...targets]);
    const started = performance.now();
    const progress = startProgress(() => ({
      label: which,
      elapsedMs: performance.now() - started,
      totalMs: 0,
      sent: bets,
      outcomes: counter.total,
      errors: 0,
      p99Ms: null,
      sendLagP99Ms: null,
    }));
    try {
      if (which === 'ledger') {
        const spawnedAt = performance.now();
        const bench = await startBenchPlatform(
          {
            databaseUrl,
            redisUrl: infra.redisUrl,
            redisPrefix: prefix,
            services: ['bet-ledger'],
            otlpEndpoint,
            profile: opts.profile.includes('bet-ledger') ? { services: ['bet-ledger'], dir: ctx.profileDir } : undefined,
            env: { LEDGER_CONCURRENCY: String(CONCURRENCY), PG_POOL_SIZE: String(POOL_SIZE) },
            verbose: opts.verbose,
          },
          cleanup,
        );
        const service = bench.platform.services.get('bet-ledger')!;
        consumer = { pid: () => service.pid, spawnedAt };
        ledgerOps = service.opsUrl;
      } else {
        const helper = startHelper(
          'baseline-ledger.worker.ts',
          {
            DATABASE_URL: databaseUrl,
            REDIS_URL: infra.redisUrl,
            REDIS_PREFIX: prefix,
            LEDGER_CONCURRENCY: String(CONCURRENCY),
            PG_POOL_SIZE: String(POOL_SIZE),
            ...telemetryEnv(otlpEndpoint),
          },
          opts.verbose,
        );
        cleanup.add('baseline worker', () => helper.stop());
        consumer = { pid: () => helper.pid, spawnedAt: helper.spawnedAt };
        void helper.exited.then((code) => {
          if (counter.total < bets && code !== 0 && code !== null) log(`baseline worker exited ${code}:\n${helper.tail().join('\n')}`);
        });
      }
      await counter.waitFor(bets, 600_000, ctx.signal);
    } finally {
      progress.stop();
    }
    const cpu = meter.stop();
    // A fresh process: everything its histograms hold is this run.
    const batches = ledgerOps ? ledgerBatches(null, await scrapeTotals(ledgerOps)) : null;
    const rowsInBets = await countBets(databaseUrl);
    const first = counter.firstAt!;
    const last = counter.lastAt!;
    return {
      mode: which,
      bets,
      players: playerIds.length,
      concurrency: CONCURRENCY,
      poolSize: POOL_SIZE,
      confirmed: counter.confirmed,
      rejected: counter.rejected,
      rowsInBets,
      betsPerSec: bets / Math.max(0.001, (last - first) / 1000),
      betsPerSecFromSpawn: bets / Math.max(0.001, (last - consumer.spawnedAt) / 1000),
      prefillSeconds,
      bootToFirstOutcomeMs: first - consumer.spawnedAt,
      drainSeconds: (last - first) / 1000,
      ledgerBatches: batches,
      cpu,
    };
  } finally {
    await cleanup.unwindTo(mark, log);
  }
}
