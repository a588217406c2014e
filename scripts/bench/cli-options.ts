/**
 * `pnpm bench` flags. Defaults keep `--mode all` within a few minutes on a 2-core machine; `--quick` shrinks every
 * phase to a smoke run. Pure: parsed from argv, no side effects, so it is unit tested.
 */
import { parseArgs } from 'node:util';
import { CELL_MODES, type CellMode } from './cell-picker.js';
import type { BenchMode } from './result-types.js';

export const MODES: readonly BenchMode[] = [
  'e2e',
  'ramp',
  'ledger',
  'baseline-ledger',
  'bullmq',
  'settlement',
  'loyalty',
  'overload',
  'archive',
  'all',
];

export interface BenchOptions {
  mode: BenchMode;
  /** e2e: offered bets per second. */
  rate: number;
  /** e2e: seconds of load. */
  durationS: number;
  players: number;
  /** HTTP keep-alive sockets to the gateway. */
  connections: number;
  telemetry: boolean;
  quick: boolean;
  /** ledger, baseline-ledger: bets to pre-fill; bullmq: jobs. */
  bets: number;
  /** ledger: bets per place-bets job, as the gateway batches them (baseline-ledger: always 1). */
  betsPerJob: number;
  /** baseline-ledger: jobs to process (fewer: it is several times slower, and a rate needs no equal count). */
  baselineBets: number;
  /** ledger modes: wallets the bets are spread over. */
  ledgerPlayers: number;
  rampStart: number;
  /** Each ramp step offers this many times the previous rate. */
  rampFactor: number;
  rampMax: number;
  rampStepDurationS: number;
  /** e2e, ramp: seconds of unmeasured load at 200 bets/s after the platform starts. */
  warmUpS: number;
  stake: number;
  /** settlement: open bets of one window to settle, over this many players, in chunks of `chunk`. */
  settlementBets: number;
  settlementPlayers: number;
  chunk: number;
  /** settlement: admin tick jobs to ingest after the settlement. */
  ticks: number;
  /** loyalty: plays to pre-fill (the service and the baseline get the same number). */
  plays: number;
  /** loyalty: plays per `plays` job for the service, like bet-ledger's batches (the baseline: always 1). */
  playsPerJob: number;
  /** loyalty: players the plays are spread over (one open slip each). */
  loyaltyPlayers: number;
  /** loyalty: manual rewards per second through the gateway (and the bare-HTTP yardstick's rate). */
  rewardRate: number;
  /** overload: offered bets/s of the capacity step (well past capacity). */
  capacityRate: number;
  /** archive: final bets seeded older than the retention, then archived in one run. */
  archiveBets: number;
  /** archive: ARCHIVE_PARTITION_MAX_BETS, bets a partition (file, transaction). */
  partitionBets: number;
  /** archive: ARCHIVE_PAUSE_RATIO (rest after each partition, × its time); null: the archiver's default. */
  pauseRatio: number | null;
  /** e2e modes: which cells the load bets on (cell-picker.ts). */
  cells: CellMode;
  /** Modes with the whole platform: GATEWAY_PROCESSES, gateway processes behind its port (node:cluster). */
  gatewayProcesses: number;
  /** Modes with the whole platform: bet-ledger processes, each its own process on the one queue (as on more machines). */
  ledgerProcesses: number;
  /** Whether --rate / --connections were given (`all` sizes its e2e step itself otherwise). */
  rateGiven: boolean;
  connectionsGiven: boolean;
  /** Services to run under --cpu-prof (e.g. gateway,bet-ledger). */
  profile: string[];
  verbose: boolean;
  outDir: string;
  /** Modes with e2e load: append every resolved bet of every window to this NDJSON file (null: none). */
  traceBets: string | null;
}

export const USAGE = `pnpm bench [--mode e2e|ramp|ledger|baseline-ledger|bullmq|settlement|loyalty|overload|archive|all] [options]

  --mode M              what to measure (default e2e)
  --rate N              e2e: offered bets/s (default 1000)
  --duration S          e2e: seconds of load (default 60; 30 inside --mode all)
  --players N           players, one WebSocket each (default 200)
  --connections N       HTTP keep-alive sockets to the gateway (default 64; overload: 1000)
  --telemetry on|off    on: 1 % parent-based sampling exported to a local OTLP sink (default off)
  --bets N              ledger: bets / bullmq: jobs to process (default 30000)
  --bets-per-job N      ledger: bets per job, like the gateway's GATEWAY_BETS_PER_JOB (default 100)
  --baseline-bets N     baseline-ledger: jobs to process (default 10000: it is several times slower)
  --ramp-start N, --ramp-factor F, --ramp-max N, --ramp-step-duration S
                        ramp: rates start, start×F, start×F², … ≤ max, each for S seconds (50, 1.5, 20000, 15)
  --warm-up S           e2e, ramp: unmeasured seconds at 200 bets/s first (default 10; 0 = none)
  --stake N             stake per bet in cents (default 10)
  --bets N, --players N settlement: open bets of one window and their players (default 100000, 1000)
  --chunk N             settlement: bets per settlement chunk (default 2000)
  --ticks N             settlement: admin tick jobs ingested afterwards (default 20000)
  --plays N             loyalty: plays to accrue, by the service and by the baseline (default 100000)
  --plays-per-job N     loyalty: plays per plays job for the service, like bet-ledger's batches (default 1000)
  --players N           loyalty: players the plays are spread over, one slip each (default 1000)
  --reward-rate N       loyalty: manual rewards/s through the gateway, and the bare-HTTP yardstick's rate (default 200)
  --duration S          loyalty: seconds of each of the two HTTP loads (default 60)
  --capacity-rate N     overload: offered bets/s of the capacity step (default 4000; 3000 with --quick)
  --duration S          overload: seconds of each step (capacity, 70 %, 2×, 4×; default 20, 5 with --quick)
  --bets N              archive: final bets seeded past the retention, archived in one run (default 1000000; 50000 with --quick)
  --partition-bets N    archive: ARCHIVE_PARTITION_MAX_BETS, bets a file and transaction (default 5000; at most 100000)
  --pause-ratio R       archive: ARCHIVE_PAUSE_RATIO, rest after each partition R × its time (default: the archiver's; 0 = full speed)
  --cells few|spread|hot  modes with e2e load: the 4 cheapest cells of the furthest window (few, default), every open
                        cell (spread: many cell locks a batch) or one cell (hot: the liability lock's worst case)
  --gateway-processes N modes with the whole platform: GATEWAY_PROCESSES, gateway processes behind one port (default 1)
  --ledger-processes N  modes with the whole platform: bet-ledger processes consuming the one place-bets queue, each
                        started as a replica on another machine would be (own ops port; default 1)
  --rate N, --duration S
                        archive: bets/s and seconds of each window, without and during the run (default 60, 60; 5 s with --quick)
  --profile a,b         run these services under --cpu-prof; print their hot spots (postgres: its costliest statements)
  --quick               a short smoke run of every phase
  --trace-bets FILE     modes with e2e load: append each bet with an outcome to FILE as NDJSON (window, wall-clock
                        send time, send→202 and send→outcome ms), to line slow bets up with what else ran
  --verbose             show the services' output
  --out DIR             where the JSON report goes (default bench-results)

Uses DATABASE_URL / REDIS_URL when set; otherwise starts an embedded Postgres and a local redis-server.`;

/**
 * overload: sockets to the gateway. Many clients each on their own connection, more than GATEWAY_MAX_IN_FLIGHT
 * (128): with 64 the excess would queue in the bench's own pool and the gateway would never see it.
 */
export const OVERLOAD_CONNECTIONS = 1_000;

/**
 * archive: bets/s of both windows. A load the machine carries with room to spare, so that the p99 shows what the run
 * does to the bet path rather than a saturated machine: 300/s kept this 2-core machine 97–99 % busy with no run at all
 * (session 8), and 150/s 85–97 % (session 9); 60/s leaves it 57–68 % busy.
 */
export const ARCHIVE_RATE = 60;
/**
 * archive: seconds of each window. At 60 bets/s a 20 s window's p99 is its 12th slowest bet of 1,200; even 30 s windows
 * before a run read 55.8–108.5 ms in eight runs within one hour (session 16), too loose to judge a 1.20 ratio. 60 s:
 * 3,600 bets.
 */
export const ARCHIVE_WINDOW_S = 60;
/**
 * archive: bets a partition: the archiver's own default (ARCHIVE_PARTITION_MAX_BETS), what operators run. Bigger ones
 * archive faster (50,000: about 1.3×) and hold bet-ledger and Postgres longer a partition.
 */
export const ARCHIVE_PARTITION_BETS = 5_000;

function cellMode(raw: string | undefined): CellMode {
  if (raw === undefined) return 'few';
  if (!(CELL_MODES as readonly string[]).includes(raw)) throw new Error(`--cells must be one of ${CELL_MODES.join(', ')}, got "${raw}"`);
  return raw as CellMode;
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

function factor(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 1 || n > 10) throw new Error(`--ramp-factor must be a number in (1, 10], got "${raw}"`);
  return n;
}

function pauseRatio(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
    throw new Error(`--pause-ratio must be a number in [0, 100], got "${raw}"`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      mode: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      players: { type: 'string' },
      connections: { type: 'string' },
      telemetry: { type: 'string' },
      bets: { type: 'string' },
      'baseline-bets': { type: 'string' },
      'bets-per-job': { type: 'string' },
      'ramp-start': { type: 'string' },
      'ramp-factor': { type: 'string' },
      'ramp-max': { type: 'string' },
      'ramp-step-duration': { type: 'string' },
      'warm-up': { type: 'string' },
      stake: { type: 'string' },
      chunk: { type: 'string' },
      ticks: { type: 'string' },
      plays: { type: 'string' },
      'plays-per-job': { type: 'string' },
      'reward-rate': { type: 'string' },
      'capacity-rate': { type: 'string' },
      'partition-bets': { type: 'string' },
      'pause-ratio': { type: 'string' },
      cells: { type: 'string' },
      'gateway-processes': { type: 'string' },
      'ledger-processes': { type: 'string' },
      profile: { type: 'string' },
      quick: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      out: { type: 'string' },
      'trace-bets': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const mode = (values.mode ?? 'e2e') as BenchMode;
  if (!MODES.includes(mode)) throw new Error(`--mode must be one of ${MODES.join(', ')}, got "${values.mode}"`);
  const telemetry = values.telemetry ?? 'off';
  if (!['on', 'off'].includes(telemetry)) throw new Error(`--telemetry must be on or off, got "${telemetry}"`);
  const quick = values.quick;
  const playsPerJob = positiveInt('plays-per-job', values['plays-per-job'], 1_000);
  const partitionBets = positiveInt('partition-bets', values['partition-bets'], ARCHIVE_PARTITION_BETS);
  // The archiver's limit (ARCHIVE_PARTITION_MAX_BETS): it would refuse to start above it.
  if (partitionBets > 100_000) throw new Error(`--partition-bets must be at most 100000, got ${partitionBets}`);
  // The contract's limit (playsJob in contracts): a larger job would fail validation in the consumer.
  if (playsPerJob > 5_000) throw new Error(`--plays-per-job must be at most 5000 (a plays job's limit), got ${playsPerJob}`);
  return {
    mode,
    rate: positiveInt('rate', values.rate, mode === 'archive' ? ARCHIVE_RATE : quick ? 300 : 1_000),
    durationS: positiveInt(
      'duration',
      values.duration,
      mode === 'archive' ? (quick ? 5 : ARCHIVE_WINDOW_S) : mode === 'overload' ? (quick ? 5 : 20) : quick ? 8 : mode === 'all' ? 30 : 60,
    ),
    players: positiveInt('players', values.players, quick ? 50 : 200),
    connections: positiveInt('connections', values.connections, mode === 'overload' ? OVERLOAD_CONNECTIONS : 64),
    telemetry: telemetry === 'on',
    quick,
    bets: positiveInt('bets', values.bets, quick ? 3_000 : 30_000),
    betsPerJob: positiveInt('bets-per-job', values['bets-per-job'], 100),
    baselineBets: positiveInt('baseline-bets', values['baseline-bets'], quick ? 1_500 : 10_000),
    ledgerPlayers: positiveInt('players', values.players, quick ? 50 : 200),
    rampStart: positiveInt('ramp-start', values['ramp-start'], 50),
    rampFactor: factor(values['ramp-factor'], 1.5),
    rampMax: positiveInt('ramp-max', values['ramp-max'], quick ? 400 : 20_000),
    rampStepDurationS: positiveInt('ramp-step-duration', values['ramp-step-duration'], quick ? 4 : 15),
    warmUpS: values['warm-up'] === '0' ? 0 : positiveInt('warm-up', values['warm-up'], quick ? 3 : 10),
    stake: positiveInt('stake', values.stake, 10),
    settlementBets: positiveInt('bets', values.bets, quick ? 5_000 : 100_000),
    settlementPlayers: positiveInt('players', values.players, quick ? 100 : 1_000),
    chunk: positiveInt('chunk', values.chunk, 2_000),
    ticks: positiveInt('ticks', values.ticks, quick ? 2_000 : 20_000),
    plays: positiveInt('plays', values.plays, quick ? 10_000 : 100_000),
    playsPerJob,
    loyaltyPlayers: positiveInt('players', values.players, quick ? 100 : 1_000),
    rewardRate: positiveInt('reward-rate', values['reward-rate'], quick ? 50 : 200),
    capacityRate: positiveInt('capacity-rate', values['capacity-rate'], quick ? 3_000 : 4_000),
    archiveBets: positiveInt('bets', values.bets, quick ? 50_000 : 1_000_000),
    partitionBets,
    pauseRatio: pauseRatio(values['pause-ratio']),
    cells: cellMode(values.cells),
    gatewayProcesses: positiveInt('gateway-processes', values['gateway-processes'], 1),
    ledgerProcesses: positiveInt('ledger-processes', values['ledger-processes'], 1),
    rateGiven: values.rate !== undefined,
    connectionsGiven: values.connections !== undefined,
    profile: (values.profile ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    verbose: values.verbose,
    outDir: values.out ?? 'bench-results',
    traceBets: values['trace-bets'] ?? null,
  };
}
