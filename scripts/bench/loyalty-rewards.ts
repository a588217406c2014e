/**
 * `--mode loyalty`, reward half: manual rewards through the whole platform (SPEC 4.7, `POST /v1/loyalty/rewards`,
 * gateway → `loyalty-requests` job → loyalty → reply → 201). The platform starts as e2e mode starts it (every service,
 * a fresh database and Redis prefix); players and supervisors are made through the admin API. The reward limit stays
 * at its default (10 new awards per staff member per rolling minute): the load goes round-robin over enough staff
 * members (`staffNeeded`) that none is refused, so the limiter's Redis check is part of every award measured.
 *
 * Then, open loop, each at `--reward-rate` for `--duration`: first the yardstick, bare HTTP (`GET /v1/time`, unsigned,
 * no I/O behind it) on the same keep-alive pool, then the awards, each with its own `Idempotency-Key`. Latency is send
 * → 201 (and scheduled send → 201); any other answer is an error. Before both, `--warm-up` seconds of the two
 * requests alternating (not measured: tsx compiles on first use, V8 optimises the hot paths), on staff of their own.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { randomId } from '@wagerflow/local-servers';
import type { BenchContext } from './bench-context.js';
import { platformCpuTargets, startCpuMeter } from './cpu-meter.js';
import { raiseGeneratorPriority, restoreGeneratorPriority } from './generator-priority.js';
import type { Histogram } from './histogram.js';
import { createHttpPool, type HttpPool, type HttpRequest } from './http-pool.js';
import { staffNeeded } from './loyalty-plays.js';
import { runOpenLoop } from './open-loop-scheduler.js';
import { startOtlpSink } from './otlp-sink.js';
import { startBenchPlatform } from './platform-runner.js';
import { mapLimit } from './player-setup.js';
import { startProgress } from './progress-reporter.js';
import { RequestTally } from './request-tally.js';
import type { HttpLoadFigures, LoyaltyRewardResult } from './result-types.js';

/** Players the awards go to, round-robin (each award locks its player's loyalty account). */
export const REWARD_PLAYERS = 100;
/** SPEC 4.7's default: new awards per staff member per rolling minute (REWARD_RATE_LIMIT is left at it). */
const REWARD_LIMIT = 10;
const REWARD_WINDOW_S = 60;
const HTTP_TIMEOUT_MS = 10_000;
const DRAIN_LIMIT_MS = HTTP_TIMEOUT_MS + 2_000;
const TIME_PATH = '/v1/time';
const REWARD_PATH = '/v1/loyalty/rewards';

interface Staff {
  staffId: string;
  token: string;
}

async function adminPost<T>(gatewayUrl: string, adminToken: string, target: string, body: unknown): Promise<T> {
  const res = await fetch(`${gatewayUrl}${target}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST ${target}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const createStaff = (gatewayUrl: string, adminToken: string, count: number, label: string): Promise<Staff[]> =>
  mapLimit([...Array(count).keys()], 16, (i) =>
    adminPost<Staff>(gatewayUrl, adminToken, '/v1/admin/staff', { name: `bench-${label}-${i}`, role: 'supervisor' }),
  );

const createPlayers = (gatewayUrl: string, adminToken: string, count: number): Promise<string[]> =>
  mapLimit([...Array(count).keys()], 16, async (i) => {
    const p = await adminPost<{ playerId: string }>(gatewayUrl, adminToken, '/v1/admin/players', { displayName: `bench-loyalty-${i}` });
    return p.playerId;
  });

function rewardRequest(staff: Staff, playerId: string, i: number): HttpRequest {
  return {
    method: 'POST',
    path: REWARD_PATH,
    headers: { authorization: `Bearer ${staff.token}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify({ playerId, points: 1 + (i % 100), reason: 'bench award' }),
  };
}

export const timeRequest: HttpRequest = { method: 'GET', path: TIME_PATH };

export interface LoadRun {
  sent: number;
  planned: number;
  sendSeconds: number;
  lag: Histogram;
}

/** One open-loop load: request `i` is `make(i)`, counted in the tally it names; then a bounded drain. */
export async function runLoad(
  ctx: BenchContext,
  pool: HttpPool,
  label: string,
  rate: number,
  durationMs: number,
  make: (i: number) => { req: HttpRequest; tally: RequestTally },
  tallies: RequestTally[],
): Promise<LoadRun> {
  const startedAt = performance.now();
  const shown = tallies[tallies.length - 1]!;
  let lagP99: () => number | null = () => null;
  const progress = startProgress(() => ({
    label,
    elapsedMs: performance.now() - startedAt,
    totalMs: durationMs,
    sent: shown.sent,
    outcomes: shown.ok,
    errors: shown.errors,
    p99Ms: shown.latency.percentileMs(99),
    sendLagP99Ms: lagP99(),
  }));
  try {
    const schedule = await runOpenLoop({
      ratePerSec: rate,
      durationMs,
      signal: ctx.signal,
      send: (i, scheduledAt) => {
        const { req, tally } = make(i);
        const sentAt = performance.now();
        tally.onSent();
        pool.send(req, (a) => tally.onAnswer(a, scheduledAt, sentAt));
      },
    });
    lagP99 = () => schedule.lag.percentileMs(99);
    const drainUntil = performance.now() + DRAIN_LIMIT_MS;
    while (tallies.some((t) => t.outstanding > 0) && performance.now() < drainUntil && !ctx.signal.aborted) {
      await new Promise((r) => setTimeout(r, 10));
    }
    return {
      sent: schedule.sent,
      planned: schedule.planned,
      sendSeconds: Math.max(0.001, (schedule.endedAt - schedule.startedAt) / 1000),
      lag: schedule.lag,
    };
  } finally {
    progress.stop();
  }
}

export function figures(target: string, rate: number, durationS: number, tally: RequestTally, run: LoadRun): HttpLoadFigures {
  return {
    target,
    offeredRate: rate,
    durationS,
    planned: run.planned,
    sent: run.sent,
    sentRate: run.sent / run.sendSeconds,
    expectedStatus: tally.expectedStatus,
    ok: tally.ok,
    otherAnswers: tally.otherAnswers,
    errors: {
      http5xx: tally.http5xx,
      unexpected: tally.unexpected,
      timeouts: tally.timeouts,
      network: tally.network,
      total: tally.errors,
    },
    latencyMs: tally.latency.summary(),
    latencyFromScheduleMs: tally.latencyFromSchedule.summary(),
    sendLagMs: run.lag.summary(),
  };
}

async function manualEntries(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM loyalty_entries WHERE kind = 'manual'");
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

export async function runRewards(ctx: BenchContext): Promise<LoyaltyRewardResult> {
  const { opts, infra, cleanup, log } = ctx;
  const mark = cleanup.mark();
  try {
    const databaseUrl = await infra.freshDatabase('loyalty-rewards');
    const prefix = `bench-${randomId(3)}`;
    let otlp: Awaited<ReturnType<typeof startOtlpSink>> | undefined;
    if (opts.telemetry) {
      otlp = await startOtlpSink();
      cleanup.add('OTLP sink', () => otlp!.close());
    }
    log('rewards: starting the platform (gateway, bet-ledger, loyalty, feed-monitor, archiver)…');
    const bench = await startBenchPlatform(
      {
        databaseUrl,
        redisUrl: infra.redisUrl,
        redisPrefix: prefix,
        otlpEndpoint: otlp?.endpoint,
        profile: opts.profile.length ? { services: opts.profile, dir: path.join(ctx.profileDir, 'rewards') } : undefined,
        verbose: opts.verbose,
      },
      cleanup,
    );
    const { gatewayUrl, adminToken } = bench.platform;
    const rate = opts.rewardRate;
    const durationS = opts.durationS;
    const warmUpS = opts.warmUpS;
    const staffCount = staffNeeded(rate, durationS, REWARD_LIMIT, REWARD_WINDOW_S);
    // The warm-up alternates awards and time requests: half its rate is awards.
    const warmStaffCount = warmUpS > 0 ? staffNeeded(rate / 2, warmUpS, REWARD_LIMIT, REWARD_WINDOW_S) : 0;
    log(`rewards: creating ${REWARD_PLAYERS} players and ${staffCount} + ${warmStaffCount} (warm-up) supervisors…`);
    const setupStarted = performance.now();
    const players = await createPlayers(gatewayUrl, adminToken, REWARD_PLAYERS);
    const staff = await createStaff(gatewayUrl, adminToken, staffCount, 'staff');
    const warmStaff = await createStaff(gatewayUrl, adminToken, warmStaffCount, 'warm');
    log(`rewards: set up in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);

    const pool = createHttpPool({ baseUrl: gatewayUrl, connections: opts.connections, timeoutMs: HTTP_TIMEOUT_MS });
    cleanup.add('HTTP pool', () => pool.close());

    let warmUpRewards = 0;
    let warmUpSent = 0;
    if (warmUpS > 0) {
      log(`rewards: warm-up, awards and ${TIME_PATH} alternating at ${rate}/s for ${warmUpS} s (not measured)`);
      const awards = new RequestTally(201);
      const times = new RequestTally(200);
      await runLoad(
        ctx,
        pool,
        'warm-up',
        rate,
        warmUpS * 1000,
        (i) =>
          i % 2 === 0
            ? { req: rewardRequest(warmStaff[(i / 2) % warmStaff.length]!, players[i % players.length]!, i), tally: awards }
            : { req: timeRequest, tally: times },
        [times, awards],
      );
      warmUpRewards = awards.ok;
      warmUpSent = awards.sent;
      if (awards.ok === 0) {
        throw new Error(`no award succeeded in the warm-up (answers: ${JSON.stringify(awards.otherAnswers)}, timeouts ${awards.timeouts})`);
      }
    }

    const cpuTargets = platformCpuTargets(bench.platform.services, infra);

    const generatorNice = raiseGeneratorPriority();
    try {
      log(`rewards: yardstick, GET ${TIME_PATH} at ${rate}/s for ${durationS} s`);
      const times = new RequestTally(200);
      const timeRun = await runLoad(ctx, pool, 'bare HTTP', rate, durationS * 1000, () => ({ req: timeRequest, tally: times }), [times]);

      log(`rewards: POST ${REWARD_PATH} at ${rate}/s for ${durationS} s over ${staff.length} supervisors`);
      const awards = new RequestTally(201);
      const meter = startCpuMeter(cpuTargets);
      const rewardRun = await runLoad(
        ctx,
        pool,
        'rewards',
        rate,
        durationS * 1000,
        (i) => ({ req: rewardRequest(staff[i % staff.length]!, players[i % players.length]!, i), tally: awards }),
        [awards],
      );
      const cpu = meter.stop();
      const entries = await manualEntries(databaseUrl);
      const rewards = figures(`POST ${REWARD_PATH}`, rate, durationS, awards, rewardRun);
      const yardstick = figures(`GET ${TIME_PATH}`, rate, durationS, times, timeRun);
      const p99 = rewards.latencyMs.p99;
      const bareP99 = yardstick.latencyMs.p99;
      return {
        players: players.length,
        staff: staff.length,
        warmUpStaff: warmStaff.length,
        rewardLimit: `${REWARD_LIMIT} per staff member per ${REWARD_WINDOW_S} s (default, unchanged)`,
        connections: opts.connections,
        warmUpS,
        rewards,
        yardstick,
        p99OverYardstick: p99 !== null && bareP99 !== null && bareP99 > 0 ? p99 / bareP99 : null,
        manualEntries: entries,
        awarded201: warmUpRewards + awards.ok,
        awardsSent: warmUpSent + awards.sent,
        cpu,
        cpuMsPerAward: Object.fromEntries(Object.entries(cpu.services).map(([name, c]) => [name, awards.ok > 0 ? c.cpuMs / awards.ok : 0])),
        generatorNice,
      };
    } finally {
      restoreGeneratorPriority();
    }
  } finally {
    await cleanup.unwindTo(mark, log);
  }
}
