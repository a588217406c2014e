/**
 * One measured open-loop load on an e2e session: `rate` signed bets per second for `durationMs`, round-robin over
 * the players, then a bounded drain for the last outcomes, then the figures (latency, errors, CPU, nonce store).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { startCpuMeter } from './cpu-meter.js';
import { MARKET_ID, type E2eSession } from './e2e-session.js';
import { raiseGeneratorPriority, restoreGeneratorPriority } from './generator-priority.js';
import { measureNonceStore } from './nonce-memory.js';
import { runOpenLoop, type OpenLoopResult } from './open-loop-scheduler.js';
import { OutcomeTracker, type BetTraceRow } from './outcome-tracker.js';
import { startProgress } from './progress-reporter.js';
import type { CpuFigures, E2eResult } from './result-types.js';
import { ledgerBatches, scrapeTotalsOf } from './service-metrics.js';

/** A 202 whose outcome has not arrived this long after its send is an error ("202 without an outcome"). */
export const OUTCOME_TIMEOUT_MS = 10_000;
const DRAIN_LIMIT_MS = OUTCOME_TIMEOUT_MS + 2_000;

export async function runE2eLoad(
  session: E2eSession,
  rate: number,
  durationMs: number,
  label: string,
  opts: { measureNonces: boolean; stopSending?: AbortSignal },
): Promise<E2eResult> {
  const { ctx, players, picker, sender } = session;
  const stake = ctx.opts.stake;
  const traced: BetTraceRow[] = [];
  const tracker = new OutcomeTracker(ctx.opts.traceBets ? (row) => traced.push(row) : undefined);
  session.setTracker(tracker);
  const socketsBefore = { ...session.socketStats };
  const otlpBefore = session.otlp?.stats();
  const sweeper = setInterval(() => tracker.expire(performance.now(), OUTCOME_TIMEOUT_MS), 1_000);
  const startedAt = performance.now();
  let schedule: OpenLoopResult | undefined;
  const progress = startProgress(() => ({
    label,
    elapsedMs: performance.now() - startedAt,
    totalMs: durationMs,
    sent: tracker.sent,
    outcomes: tracker.outcomes,
    errors: tracker.errors,
    p99Ms: tracker.latency.percentileMs(99),
    sendLagP99Ms: schedule?.lag.percentileMs(99) ?? null,
  }));
  const ledgerOps = session.bench.ledgerOpsUrls;
  const metricsBefore = await scrapeTotalsOf(ledgerOps);
  const generatorNice = raiseGeneratorPriority();
  const cpu = startCpuMeter(session.cpuTargets);
  try {
    schedule = await runOpenLoop({
      ratePerSec: rate,
      durationMs,
      // stopSending ends the schedule early (the archive mode's window ends with the run) but keeps the drain below.
      signal: opts.stopSending ? AbortSignal.any([ctx.signal, opts.stopSending]) : ctx.signal,
      send: (index, scheduledAt) => {
        const player = players[index % players.length]!;
        const clientBetId = randomUUID();
        const body = JSON.stringify({ clientBetId, marketId: MARKET_ID, cellId: picker.pick(index), stake });
        tracker.onSent(clientBetId, scheduledAt, performance.now());
        sender.post(player.creds, body, (r) =>
          r.kind === 'answer' ? tracker.onAnswer(clientBetId, r.status, r.code, r.at) : tracker.onFailure(clientBetId, r.kind),
        );
      },
    });
    // The last outcomes: bounded, an outcome that never comes is counted by the sweeper / finish().
    const drainUntil = performance.now() + DRAIN_LIMIT_MS;
    while (tracker.outstanding > 0 && performance.now() < drainUntil && !ctx.signal.aborted) {
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    restoreGeneratorPriority();
    progress.stop();
    clearInterval(sweeper);
  }
  const cpuFigures = cpu.stop();
  const metricsAfter = await scrapeTotalsOf(ledgerOps);
  if (!schedule) throw new Error('the load did not run');
  tracker.finish();
  session.setTracker(undefined);
  if (ctx.opts.traceBets && traced.length > 0) {
    appendFileSync(ctx.opts.traceBets, traced.map((row) => JSON.stringify({ window: label, ...row })).join('\n') + '\n');
  }
  const nonceStore = opts.measureNonces ? await measureNonceStore(session.redis, session.redisPrefix) : null;
  const sendSeconds = Math.max(0.001, (schedule.endedAt - schedule.startedAt) / 1000);
  // One window for both rates: first send → the later of the last send and the last outcome of any kind.
  const windowEnd = Math.max(schedule.endedAt, tracker.lastAnyOutcomeAt ?? 0);
  const windowSeconds = Math.max(0.001, (windowEnd - (tracker.firstSendAt ?? schedule.startedAt)) / 1000);
  const otlpAfter = session.otlp?.stats();
  return {
    mode: 'e2e',
    offeredRate: rate,
    durationS: durationMs / 1000,
    players: players.length,
    connections: ctx.opts.connections,
    gatewayProcesses: ctx.opts.gatewayProcesses,
    ledgerProcesses: ctx.opts.ledgerProcesses,
    telemetry: ctx.opts.telemetry,
    planned: schedule.planned,
    sent: schedule.sent,
    sentRate: schedule.sent / sendSeconds,
    achievedRate: tracker.outcomes / windowSeconds,
    processedRate: (tracker.outcomes + tracker.unmatchedOutcomes) / windowSeconds,
    accepted202: tracker.accepted202,
    confirmed: tracker.confirmed,
    rejectedByReason: tracker.rejectedByReason,
    gatewayAnswers: tracker.gatewayAnswers,
    errors: {
      http5xx: tracker.http5xx,
      timeouts: tracker.timeouts,
      network: tracker.network,
      noOutcome: tracker.noOutcome,
      total: tracker.errors,
    },
    unmatchedOutcomes: tracker.unmatchedOutcomes,
    socketSeqGaps: session.socketStats.seqGaps - socketsBefore.seqGaps,
    socketsClosed: session.socketStats.closedUnexpectedly - socketsBefore.closedUnexpectedly,
    latencyMs: tracker.latency.summary(),
    latencyFromScheduleMs: tracker.latencyFromSchedule.summary(),
    httpLatencyMs: tracker.httpLatency.summary(),
    shedLatencyMs: tracker.shedLatency.summary(),
    sendLagMs: schedule.lag.summary(),
    cpu: cpuFigures,
    idleCpu: null,
    nonceStore,
    ledgerBatches: ledgerBatches(metricsBefore, metricsAfter),
    generatorNice,
    otlp:
      otlpBefore && otlpAfter ? { requests: otlpAfter.requests - otlpBefore.requests, bytes: otlpAfter.bytes - otlpBefore.bytes } : null,
  };
}

/**
 * Unmeasured load before the first measured one: the services have just started (tsx compiles on first use, V8
 * has not optimised the hot paths, the gateway's credential cache is cold), which otherwise shows as seconds of
 * latency in the first moments of a run.
 */
export async function warmUp(session: E2eSession, seconds: number): Promise<void> {
  if (seconds <= 0) return;
  session.ctx.log(`warm-up: ${WARM_UP_RATE} bets/s for ${seconds} s (not measured)`);
  await runE2eLoad(session, WARM_UP_RATE, seconds * 1000, 'warm-up', { measureNonces: false });
}
const WARM_UP_RATE = 200;

/** CPU of every process with the platform up, sockets open and no bets: what the services burn regardless. */
export async function measureIdleCpu(session: E2eSession, seconds: number): Promise<CpuFigures> {
  session.ctx.log(`idle: measuring CPU for ${seconds} s with no load`);
  const meter = startCpuMeter(session.cpuTargets);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return meter.stop();
}
