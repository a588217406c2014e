import { z } from 'zod';
import { FEED_STATUSES, BET_RESULTS } from './api.js';
import { depositResult } from './jobs.js';

/**
 * Pub/sub events between services (Redis channels). Each carries the W3C trace context of the
 * work that produced it, so the gateway's WebSocket push joins the bet's trace.
 */
export const CHANNELS = {
  playerEvents: 'events:player',
  feedStatus: 'feed:status',
  depositResults: 'events:deposit',
} as const;

const int = z.number().int();
const traceFields = { traceparent: z.string().optional(), tracestate: z.string().optional() };

export const betConfirmedEvent = z.object({
  type: z.literal('bet:confirmed'),
  playerId: z.string(),
  betId: z.string(),
  clientBetId: z.string(),
  multiplier: z.number(),
  balance: int,
  walletSeq: int,
  ...traceFields,
});
export const betRejectedEvent = z.object({
  type: z.literal('bet:rejected'),
  playerId: z.string(),
  betId: z.string(),
  clientBetId: z.string(),
  reason: z.string(),
  ...traceFields,
});
export const betSettledEvent = z.object({
  type: z.literal('bet:settled'),
  playerId: z.string(),
  betId: z.string(),
  clientBetId: z.string(),
  result: z.enum(BET_RESULTS),
  payout: int,
  balance: int,
  walletSeq: int,
  ...traceFields,
});
export const balanceEvent = z.object({
  type: z.literal('balance'),
  playerId: z.string(),
  balance: int,
  walletSeq: int,
  ...traceFields,
});
export const playerEvent = z.discriminatedUnion('type', [betConfirmedEvent, betRejectedEvent, betSettledEvent, balanceEvent]);
export type PlayerEvent = z.infer<typeof playerEvent>;

export const feedStatusEvent = z.object({
  type: z.literal('feed:status'),
  marketId: z.string(),
  status: z.enum(FEED_STATUSES),
  ...traceFields,
});
export type FeedStatusEvent = z.infer<typeof feedStatusEvent>;

/** The ledger's answer to a deposit job, for the gateway request waiting on it (deposits are not on the bet stream). */
export const depositDoneEvent = z.object({ jobId: z.string(), result: depositResult });
export type DepositDoneEvent = z.infer<typeof depositDoneEvent>;
