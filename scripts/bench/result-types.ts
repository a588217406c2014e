/** The shapes every mode returns: the JSON file is exactly these, the human table is formatted from them. */
import type { LatencySummary } from './histogram.js';

export type BenchMode = 'e2e' | 'ramp' | 'ledger' | 'baseline-ledger' | 'bullmq' | 'settlement' | 'all';

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

export type ModeResult = E2eResult | RampResult | LedgerResult | BullmqResult | SettlementModeResult;

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

export interface AllResult {
  mode: 'all';
  results: ModeResult[];
  ratios: {
    e2eMaxOverBullmq: number | null;
    ledgerOverBaseline: number | null;
    /** Outcomes/s of the e2e step ÷ bare BullMQ jobs/s: the capacity ratio when the step was overloaded, else a floor. */
    e2eStepOverBullmq: { ratio: number; overloaded: boolean; generatorLimited: boolean } | null;
  };
}

export interface BenchFile {
  mode: BenchMode;
  startedAt: string;
  host: { cores: number; loadAverage: number[]; node: string };
  options: Record<string, unknown>;
  result: ModeResult | AllResult;
}
