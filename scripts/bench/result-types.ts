/** The shapes every mode returns: the JSON file is exactly these, the human table is formatted from them. */
import type { LatencySummary } from './histogram.js';
import type { WalDelta } from './pg-wal.js';

export type BenchMode =
  'e2e' | 'ramp' | 'ledger' | 'baseline-ledger' | 'bullmq' | 'settlement' | 'loyalty' | 'overload' | 'archive' | 'all';

/** CPU time a process used during the measured window. */
export interface ProcessCpu {
  pid: number | null;
  cpuMs: number;
  /** cpuMs ÷ wall time × 100: 100 = one core fully busy. */
  percentOfCore: number;
  /** Restarts during the window (a crash would distort the figures). */
  restarts?: number;
}

export interface CpuFigures {
  /** The bench process itself (process.cpuUsage): high values mean the generator may be the limit. */
  generator: ProcessCpu;
  services: Record<string, ProcessCpu>;
  /** Whole machine, from /proc/stat: busy % of all cores (shared machine: other work shows here). */
  machineBusyPercent: number | null;
  cores: number;
}

export interface NonceStoreMemory {
  nonces: number;
  buckets: number;
  bytes: number;
  bytesPerNonce: number | null;
  /** The store at 3,000 signed requests/s, each nonce held at most NONCE_HELD_S. */
  at3000PerSecBytes: number | null;
  method: string;
}

export interface LedgerBatches {
  batches: number;
  meanBetsPerBatch: number | null;
  meanBatchMs: number | null;
}

export interface E2eResult {
  mode: 'e2e';
  offeredRate: number;
  durationS: number;
  players: number;
  connections: number;
  /** GATEWAY_PROCESSES of the platform under load. */
  gatewayProcesses: number;
  /** bet-ledger processes on the place-bets queue (--ledger-processes). */
  ledgerProcesses: number;
  telemetry: boolean;
  planned: number;
  sent: number;
  /** Sends per second actually achieved by the generator. */
  sentRate: number;
  /** Outcomes (confirmed + rejected) of requests still awaited, per second of first send → max(last send, last outcome). */
  achievedRate: number;
  /** Same, counting outcomes of requests the generator had given up on (timed out): what the platform processed. */
  processedRate: number;
  accepted202: number;
  confirmed: number;
  /** Ledger outcomes `bet:rejected`, by reason. */
  rejectedByReason: Record<string, number>;
  /** Non-202 HTTP answers, by `status code`. */
  gatewayAnswers: Record<string, number>;
  errors: { http5xx: number; timeouts: number; network: number; noOutcome: number; total: number };
  /** Outcomes whose clientBetId we did not send (should be 0). */
  unmatchedOutcomes: number;
  socketSeqGaps: number;
  socketsClosed: number;
  /** Send → outcome on the socket. */
  latencyMs: LatencySummary;
  /** Scheduled time → outcome: includes send lag (the coordinated-omission-free figure). */
  latencyFromScheduleMs: LatencySummary;
  /** Send → HTTP 202. */
  httpLatencyMs: LatencySummary;
  /** Send → 503 `overloaded` (admission control, issue 15); count 0 when nothing was shed. */
  shedLatencyMs: LatencySummary;
  sendLagMs: LatencySummary;
  cpu: CpuFigures;
  /** The same processes with the platform up and no load (e2e mode): the background cost in the figures above. */
  idleCpu: CpuFigures | null;
  nonceStore: NonceStoreMemory | null;
  /** bet-ledger's batches during the load (from its /metrics). */
  ledgerBatches: LedgerBatches | null;
  /** Whether the generator's main thread ran at a raised priority (nice −5) during the load. */
  generatorNice: number | null;
  otlp: { requests: number; bytes: number } | null;
}

export interface RampStep {
  result: E2eResult;
  sustainable: boolean;
  reasons: string[];
}

export interface RampResult {
  mode: 'ramp';
  stepDurationS: number;
  steps: RampStep[];
  maxSustainableRate: number | null;
  stoppedBecause: string;
}

export interface LedgerResult {
  mode: 'ledger' | 'baseline-ledger';
  bets: number;
  players: number;
  concurrency: number;
  poolSize: number;
  confirmed: number;
  rejected: number;
  /** Rows in `bets` at the end (must equal `bets`). */
  rowsInBets: number;
  /** bets ÷ (last outcome − first outcome). */
  betsPerSec: number;
  /** bets ÷ (last outcome − process spawn): includes boot. */
  betsPerSecFromSpawn: number;
  prefillSeconds: number;
  bootToFirstOutcomeMs: number;
  drainSeconds: number;
  /** bet-ledger only: its batches (from its /metrics). */
  ledgerBatches: LedgerBatches | null;
  cpu: CpuFigures;
}

export interface BullmqResult {
  mode: 'bullmq';
  jobs: number;
  producerConcurrency: number;
  workerConcurrency: number;
  /** jobs ÷ (last completion − first add). */
  jobsPerSec: number;
  addPerSec: number;
  seconds: number;
  cpu: CpuFigures;
}

export type ModeResult =
  E2eResult | RampResult | LedgerResult | BullmqResult | SettlementModeResult | LoyaltyResult | OverloadResult | ArchiveResult;

/** The history `--mode archive` seeds in SQL before the services start. */
export interface ArchiveSeedFigures {
  bets: number;
  wallets: number;
  /** Wallet entries of the seeded bets (stake, payout, refund; the deposits stay). */
  betEntries: number;
  won: number;
  lost: number;
  void: number;
  rejected: number;
  /** Final times span [oldestDaysAgo, newestDaysAgo] days before the run. */
  oldestDaysAgo: number;
  newestDaysAgo: number;
  /** The inserts; then VACUUM (ANALYZE) of the tables; then a CHECKPOINT (null: not permitted). */
  seconds: number;
  vacuumSeconds: number;
  checkpointSeconds: number | null;
  /** The bettors' own old bets, seeded after their deposit (part of what the run archives). */
  bettors: { players: number; bets: number; betEntries: number; seconds: number };
}

/** One archive run as the admin API reports it (GET /v1/admin/archive/runs/{runId}), with its rates. */
export interface ArchiveRunFigures {
  runId: string;
  status: string;
  error: string | null;
  partitions: number;
  bets: number;
  walletEntries: number;
  bytes: number;
  /** The archiver's own started_at → finished_at. */
  runSeconds: number | null;
  /** The bench's POST → the poll that saw it finished (100 ms polls). */
  observedSeconds: number;
  betsPerSec: number | null;
  entriesPerSec: number | null;
  bytesPerSec: number | null;
  /** Every process, from the POST to the poll that saw the run finished (the bet load of the second window included). */
  cpu: CpuFigures;
  /** Postgres' WAL over the same span (every session's: the run's and the bet load's), and checkpoints completed in it. */
  wal: WalDelta;
}

export interface ArchiveCheck {
  /** Seeded bets still in `bets` after the run (must be 0: all of them were older than the retention). */
  seededBetsLeft: number;
  walletsChecked: number;
  /** `ledger_wallet_drift()`: wallets whose balance ≠ archived checkpoint + sum(entries) (must be 0). */
  drift: number;
  filesOnDisk: number;
  bytesOnDisk: number;
}

export interface ArchiveTargets {
  /** p99 send→outcome during the run ÷ without it. */
  p99Ratio: number | null;
  /** p99Ratio ≤ 1.20. */
  p99RatioMet: boolean | null;
  /** No 5xx (503 shed), timeout or lost outcome among the bets sent during the run. */
  noErrorsDuring: boolean;
  runSucceeded: boolean;
  allArchived: boolean;
  noDrift: boolean;
}

/** `--mode archive` (issue 12): a 1M-bet archive run's throughput, and the bet path's latency without and during it. */
export interface ArchiveResult {
  mode: 'archive';
  retentionDays: number;
  partitionMaxBets: number;
  /** ARCHIVE_PAUSE_RATIO given to the archiver; null: its default. */
  pauseRatio: number | null;
  seed: ArchiveSeedFigures;
  run: ArchiveRunFigures;
  check: ArchiveCheck;
  /** Offered bets/s of both windows. */
  rate: number;
  windowS: number;
  withoutArchive: E2eResult;
  duringArchive: E2eResult;
  /** The run ended before the second window's schedule: sending stopped then (only bets sent during the run count). */
  runEndedBeforeWindow: boolean;
  /** Seconds the second window sent bets while the run was in progress. */
  duringSendSeconds: number;
  /** The gateway's `wagerflow_gateway_shed_total` by reason: over window 1, and from the POST to the run's end. */
  shedWithoutByReason: Record<string, number>;
  shedDuringByReason: Record<string, number>;
  targets: ArchiveTargets;
}

/** One load of `--mode overload`: a multiple of the measured capacity, offered open loop. */
export interface OverloadStep {
  /** 0.7, 2 or 4 (× capacity). */
  factor: number;
  result: E2eResult;
  /** 202 answers ÷ seconds of sending. */
  acceptedPerSec: number;
  /** 503 `overloaded` ÷ answers. */
  shedShare: number;
  staleTimestamps: number;
  /** The gateway's `wagerflow_gateway_shed_total` by reason over this step (its /metrics before/after). */
  shedByReason: Record<string, number>;
}

export interface OverloadTargets {
  /** accepted/s ≥ 0.9 × capacity at 2× and at 4×. */
  acceptedAt2x: boolean | null;
  acceptedAt4x: boolean | null;
  /** p99 send→outcome of accepted bets ≤ 3 × its value at 70 %. */
  p99At2x: boolean | null;
  p99At4x: boolean | null;
  /** No 401 stale_timestamp and no 202 without an outcome in any step. */
  noStale: boolean;
  noLostOutcome: boolean;
}

export interface OverloadResult {
  mode: 'overload';
  stepDurationS: number;
  /** The capacity step: offered well past capacity, its processed outcomes/s is the capacity. */
  capacityStep: E2eResult;
  /** Sockets of the capacity step (the steps use --connections). */
  capacityConnections: number;
  capacityShedByReason: Record<string, number>;
  capacity: number;
  steps: OverloadStep[];
  targets: OverloadTargets;
  /** Bare HTTP (GET /v1/time) at the 4× step's rate on the same platform and pool: what a cheap answer costs. */
  bareHttp: HttpLoadFigures | null;
  /** Bare BullMQ add → no-op process, same invocation, after the platform is stopped. */
  bullmq: BullmqResult | null;
}

/** One window's settlement: job add → last bet:settled. */
export interface SettlementResult {
  bets: number;
  players: number;
  chunkSize: number;
  seconds: number;
  betsPerSec: number;
  ledgerCpuMs: number | null;
  postgresCpuMs: number | null;
}

/** Admin tick jobs ingested by feed-monitor. */
export interface TickResult {
  ticks: number;
  seconds: number;
  ticksPerSec: number;
  feedMonitorCpuMs: number | null;
  cpuMsPerTick: number | null;
}

/** `--mode settlement`: one window's settlement, then admin tick ingestion (not part of `all`). */
export interface SettlementModeResult {
  mode: 'settlement';
  settlement: SettlementResult;
  ticks: TickResult;
}

export interface LoyaltyBatches {
  batches: number;
  meanPlaysPerBatch: number | null;
  meanBatchMs: number | null;
}

/** One consumer of a pre-filled `loyalty` queue, timed by its `wagerflow_loyalty_plays_total`. */
export interface LoyaltyAccrualResult {
  /** loyalty: the service (group commit); baseline: one play a job, one transaction a play. */
  consumer: 'loyalty' | 'baseline';
  plays: number;
  playsPerJob: number;
  jobs: number;
  players: number;
  stake: number;
  concurrency: number;
  poolSize: number;
  /**
   * Plays committed after the first commit ÷ (first → last play committed); null when one poll saw them all (a single
   * batch: no window).
   */
  playsPerSec: number | null;
  /** Plays the first observed commit held (the first batch). */
  firstCommitPlays: number;
  /** plays ÷ (process spawn → last play committed): includes boot. */
  playsPerSecFromSpawn: number;
  drainSeconds: number;
  bootToFirstCommitMs: number;
  prefillSeconds: number;
  /** The consumer's counter at the end, by effect (ignored: a bet already counted). */
  effects: { counted: number; voided: number; ignored: number };
  /** One count of the tables at the end: every play once in its player's one open slip. */
  db: { slipPlays: number; slips: number; openSlips: number; betCount: number; wagered: number; consistent: boolean };
  /** The service only: its play batches (from its /metrics). */
  batches: LoyaltyBatches | null;
  /** The counter's poll interval: each end of the window is known to half of it. */
  pollIntervalMs: number;
  cpu: CpuFigures;
}

/** One open-loop HTTP load where every request has one expected answer. */
export interface HttpLoadFigures {
  target: string;
  offeredRate: number;
  durationS: number;
  planned: number;
  sent: number;
  sentRate: number;
  expectedStatus: number;
  /** Expected answers (201 for an award, 200 for /v1/time). */
  ok: number;
  /** Any other answer, by `status code` (each one an error). */
  otherAnswers: Record<string, number>;
  errors: { http5xx: number; unexpected: number; timeouts: number; network: number; total: number };
  /** Send → expected answer. */
  latencyMs: LatencySummary;
  /** Scheduled send → expected answer (includes send lag). */
  latencyFromScheduleMs: LatencySummary;
  sendLagMs: LatencySummary;
}

export interface LoyaltyRewardResult {
  players: number;
  staff: number;
  warmUpStaff: number;
  rewardLimit: string;
  connections: number;
  warmUpS: number;
  rewards: HttpLoadFigures;
  /** Bare HTTP (GET /v1/time) at the same rate on the same pool, just before. */
  yardstick: HttpLoadFigures;
  p99OverYardstick: number | null;
  /**
   * Manual entries in the loyalty ledger right after the load, and the awards of warm-up and load answered 201 and
   * sent: every 201 has its entry, and an award whose request timed out may have one too (loyalty applied it late).
   */
  manualEntries: number;
  awarded201: number;
  awardsSent: number;
  /** During the award load. */
  cpu: CpuFigures;
  /** CPU ms during the award load ÷ awards answered 201, per process. */
  cpuMsPerAward: Record<string, number>;
  generatorNice: number | null;
}

/** `--mode loyalty`: accrual and its baseline, then rewards and their yardstick (not part of `all`). */
export interface LoyaltyResult {
  mode: 'loyalty';
  accrual: LoyaltyAccrualResult;
  baseline: LoyaltyAccrualResult;
  accrualOverBaseline: number | null;
  /** Null when the reward half failed (rewardsError says why). */
  rewards: LoyaltyRewardResult | null;
  rewardsError: string | null;
  /** Met or not; null when not measured (rewards at a rate other than the target's, or failed). */
  targets: { accrualOverBaseline: boolean | null; accrualPlaysPerSec: boolean | null; rewardP99: boolean | null };
}

/** Issue 13's three targets of one `--mode all` (judged in performance-targets.ts). */
export interface PerformanceTargets {
  /**
   * Null without both figures. An e2e step that was not overloaded gives only a floor of capacity: a floor at or
   * above the bound meets the capacity target, one below judges nothing (`met` null); the sustainable ÷ capacity
   * ratio is then an upper bound: below its bound it is missed, above it not judged.
   */
  capacityRatio: { value: number; capacity: number; met: boolean | null } | null;
  sustainableOverCapacity: { value: number; met: boolean | null } | null;
  cpuPerBet: {
    /** Offered rate of the step used (at half of capacity, or the ramp step nearest it). */
    stepRate: number;
    cpuMsPerBet: number;
    bareJobCpuMs: number;
    value: number;
    met: boolean;
  } | null;
}

export interface AllResult {
  mode: 'all';
  results: ModeResult[];
  ratios: {
    e2eMaxOverBullmq: number | null;
    ledgerOverBaseline: number | null;
    /** Outcomes/s of the e2e step ÷ bare BullMQ jobs/s: the capacity ratio when the step was overloaded, else a floor. */
    e2eStepOverBullmq: { ratio: number; overloaded: boolean; generatorLimited: boolean } | null;
  };
  /** The e2e step at half of the measured capacity (issue 13's CPU figure), when there was a capacity. */
  halfCapacity?: E2eResult;
  /** Issue 13's three ratios and whether each is met (performance-targets.ts). */
  targets: PerformanceTargets;
}

export interface BenchFile {
  mode: BenchMode;
  startedAt: string;
  host: { cores: number; loadAverage: number[]; node: string };
  options: Record<string, unknown>;
  result: ModeResult | AllResult;
}
