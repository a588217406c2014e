/**
 * Everything the e2e and ramp modes load: a fresh database and Redis prefix, the whole platform, the players with
 * deposits, one socket per player, the cell picker and the HTTP pool. Loads (e2e-load.ts) run on a session one
 * after another; each swaps in its own OutcomeTracker.
 */
import { Redis } from 'ioredis';
import { randomId } from '@wagerflow/local-servers';
import type { BenchContext } from './bench-context.js';
import { createBetSender, type BetSender } from './bet-sender.js';
import { startCellPicker, type CellPicker } from './cell-picker.js';
import { platformCpuTargets, type CpuTarget } from './cpu-meter.js';
import { startOtlpSink, type OtlpSink } from './otlp-sink.js';
import type { OutcomeTracker } from './outcome-tracker.js';
import { startBenchPlatform, type BenchPlatform } from './platform-runner.js';
import { createPlayers, mapLimit, waitForHealthyMarket, type BenchPlayer } from './player-setup.js';
import { openPlayerSocket, type SocketStats } from './player-socket.js';

export const MARKET_ID = 'BTC-USD';
/** Enough for 10⁸ minimum stakes per player: no bet of any run is refused for funds. */
const DEPOSIT = 1_000_000_000;
const HTTP_TIMEOUT_MS = 10_000;

export interface E2eSession {
  ctx: BenchContext;
  databaseUrl: string;
  bench: BenchPlatform;
  players: BenchPlayer[];
  picker: CellPicker;
  sender: BetSender;
  redis: Redis;
  redisPrefix: string;
  socketStats: SocketStats;
  otlp: OtlpSink | undefined;
  cpuTargets: CpuTarget[];
  /** Outcomes from the sockets go to this tracker (undefined between loads: counted as unmatched nowhere). */
  setTracker(tracker: OutcomeTracker | undefined): void;
}

/** Options of a mode that needs more than e2e's platform: extra service env, rows seeded before the services start. */
export interface E2eSessionOptions {
  env?: Record<string, string>;
  beforeStart?: (databaseUrl: string) => Promise<void>;
}

export async function openE2eSession(ctx: BenchContext, extra: E2eSessionOptions = {}): Promise<E2eSession> {
  const { opts, infra, cleanup, log } = ctx;
  const databaseUrl = await infra.freshDatabase('e2e');
  await extra.beforeStart?.(databaseUrl);
  const redisPrefix = `bench-${randomId(3)}`;
  let otlp: OtlpSink | undefined;
  if (opts.telemetry) {
    otlp = await startOtlpSink();
    cleanup.add('OTLP sink', () => otlp!.close());
    log(`telemetry on: 1 % parent-based sampling, OTLP → ${otlp.endpoint}/v1/traces (discarded)`);
  }
  const counts = [
    ...(opts.gatewayProcesses > 1 ? [`gateway: ${opts.gatewayProcesses} processes`] : []),
    ...(opts.ledgerProcesses > 1 ? [`bet-ledger: ${opts.ledgerProcesses} processes`] : []),
  ];
  log(`starting the platform (gateway, bet-ledger, loyalty, feed-monitor, archiver)${counts.length ? ` (${counts.join(', ')})` : ''}…`);
  const bench = await startBenchPlatform(
    {
      databaseUrl,
      redisUrl: infra.redisUrl,
      redisPrefix,
      otlpEndpoint: otlp?.endpoint,
      profile: opts.profile.length ? { services: opts.profile, dir: ctx.profileDir } : undefined,
      // A new market is CRITICAL until its feed has been healthy FEED_RECOVERY_MS (30 s by default): only startup
      // is shortened; a feed that stalls under load still suspends the market, seen as 503 market_suspended.
      env: { FEED_RECOVERY_MS: '1000', GATEWAY_PROCESSES: String(opts.gatewayProcesses), ...extra.env },
      ledgerReplicas: opts.ledgerProcesses - 1,
      verbose: opts.verbose,
    },
    cleanup,
  );
  const { gatewayUrl, adminToken } = bench.platform;
  await waitForHealthyMarket(gatewayUrl, MARKET_ID);
  log(`creating ${opts.players} players with deposits…`);
  const players = await createPlayers(gatewayUrl, adminToken, opts.players, DEPOSIT);

  let tracker: OutcomeTracker | undefined;
  const socketStats: SocketStats = { seqGaps: 0, closedUnexpectedly: 0 };
  const sockets = await mapLimit(players, 20, (p) =>
    openPlayerSocket(gatewayUrl, p.creds, (id, type, reason, at) => tracker?.onOutcome(id, type, reason, at), socketStats),
  );
  cleanup.add('player sockets', () => sockets.forEach((s) => s.close()));
  log(`${sockets.length} sockets open`);

  const picker = await startCellPicker(gatewayUrl, MARKET_ID, opts.cells);
  cleanup.add('cell picker', () => picker.stop());
  const sender = createBetSender({ gatewayUrl, connections: opts.connections, timeoutMs: HTTP_TIMEOUT_MS });
  cleanup.add('HTTP pool', () => sender.close());
  const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: 2 });
  cleanup.add('Redis client', () => void redis.disconnect());

  const cpuTargets = platformCpuTargets(bench.processes, infra);

  return {
    ctx,
    databaseUrl,
    bench,
    players,
    picker,
    sender,
    redis,
    redisPrefix,
    socketStats,
    otlp,
    cpuTargets,
    setTracker: (t) => (tracker = t),
  };
}
