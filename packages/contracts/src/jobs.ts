import { z } from 'zod';
import { archivePartitionJob, archiveRunJob } from './archive-jobs.js';
import { playsJob, rewardJob, slipRequestJob, slipSweepJob } from './loyalty-jobs.js';

/**
 * Queue and job names (never renamed once shipped) and the payload of every job.
 * Producers build payloads with these types; consumers parse them with these schemas.
 */
export const QUEUES = {
  ledger: 'ledger',
  feed: 'feed',
  loyalty: 'loyalty',
  loyaltyRequests: 'loyalty-requests',
  archive: 'archive',
  ledgerArchive: 'ledger-archive',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

const int = z.number().int();

/** One bet as accepted by the gateway; the ledger decides its outcome. */
export const betIntent = z.object({
  betId: z.string().min(1),
  playerId: z.string().min(1),
  clientBetId: z.string().min(1),
  marketId: z.string().min(1),
  cellId: z.string().min(1),
  windowStart: int,
  bandIndex: int,
  priceLow: z.number(),
  priceHigh: z.number(),
  stake: int.positive(),
  multiplierBps: int.positive(),
  minMultiplierBps: int.positive().nullable(),
  lockoutAt: int,
  acceptedAt: int,
  correlationId: z.string(),
  /** W3C trace context of the request that placed it, when the job was not queued under that request's own context. */
  traceparent: z.string().optional(),
});
export type BetIntent = z.infer<typeof betIntent>;

/** A job carries one or more bets: several amortise BullMQ's per-job cost (each bet keeps its own key). */
export const placeBetsJob = z.object({ bets: z.array(betIntent).min(1).max(1000) });
export type PlaceBetsJob = z.infer<typeof placeBetsJob>;

export const depositJob = z.object({
  playerId: z.string().min(1),
  amount: int.min(1).max(1e12),
  reference: z.string().min(1),
  correlationId: z.string(),
});
export type DepositJob = z.infer<typeof depositJob>;

export const depositResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), depositId: z.string(), balance: int, replay: z.boolean() }),
  z.object({ ok: z.literal(false), code: z.literal('idempotency_key_reused') }),
]);
export type DepositResult = z.infer<typeof depositResult>;

export const tickJob = z.object({
  marketId: z.string().min(1),
  price: z.number().positive(),
  ts: int.positive().nullable(),
  receivedAt: int.positive(),
});
export type TickJob = z.infer<typeof tickJob>;

export const VOID_REASONS = ['no_ticks', 'market_critical'] as const;
export type VoidReason = (typeof VOID_REASONS)[number];

/**
 * Settle every open bet of one market window (SPEC 3), sent by feed-monitor after
 * `windowEnd + SETTLE_GRACE_MS`. The evidence travels with the job and is stored with the
 * settlement: the bands the price touched (a tick with priceLow ≤ price < priceHigh), low, high,
 * tick count, and the void reason when the window had no tick or the market was CRITICAL in it.
 */
export const settleWindowJob = z.object({
  marketId: z.string().min(1),
  windowStart: int,
  windowEnd: int,
  priceStep: z.number().positive(),
  touchedBands: z.array(int.min(0)).max(1_000_000),
  low: z.number().nullable(),
  high: z.number().nullable(),
  tickCount: int.min(0),
  voidReason: z.enum(VOID_REASONS).nullable(),
});
export type SettleWindowJob = z.infer<typeof settleWindowJob>;

/** Ask feed-monitor for a window's evidence and a settle job (the ledger's sweeper, for windows left open). */
export const evidenceRequestJob = z.object({ marketId: z.string().min(1), windowStart: int });
export type EvidenceRequestJob = z.infer<typeof evidenceRequestJob>;

/** Job names per queue, mapped to their payload schema: a worker must handle every entry. */
export const JOBS = {
  ledger: { 'place-bets': placeBetsJob, deposit: depositJob, settle: settleWindowJob },
  feed: { tick: tickJob, 'evidence-request': evidenceRequestJob },
  loyalty: { plays: playsJob, 'slip-sweep': slipSweepJob },
  'loyalty-requests': { reward: rewardJob, 'slip-close': slipRequestJob, 'slip-recover': slipRequestJob },
  archive: { 'archive-run': archiveRunJob },
  'ledger-archive': { 'archive-partition': archivePartitionJob },
} as const;
