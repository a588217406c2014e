import { z } from 'zod';
import { FEED_STATUSES, BET_RESULTS } from './api.js';
import { depositResult } from './jobs.js';
import { loyaltyReply } from './loyalty-jobs.js';

/**
 * Pub/sub events between services (Redis channels). Each carries the W3C trace context of the
 * work that produced it, so the gateway's WebSocket push joins the bet's trace.
 */
export const CHANNELS = {
  playerEvents: 'events:player',
  feedStatus: 'feed:status',
  /** feed-monitor's accepted ticks, one message per tick (the gateway's public market stream throttles them). */
  prices: 'price',
  depositResults: 'events:deposit',
  loyaltyReplies: 'events:loyalty-reply',
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

/**
 * A message on the player events channel is a JSON array of events: the ledger publishes a batch's outcomes in a few
 * messages rather than one per bet (each message costs a command, a fan-out and a parse in every gateway).
 */
export const playerEventMessage = z.array(playerEvent).min(1);
export const PLAYER_EVENTS_PER_MESSAGE = 500;

/** The messages that carry `events`, in order. */
export function playerEventMessages(events: readonly PlayerEvent[]): string[] {
  const messages: string[] = [];
  for (let i = 0; i < events.length; i += PLAYER_EVENTS_PER_MESSAGE) {
    messages.push(JSON.stringify(events.slice(i, i + PLAYER_EVENTS_PER_MESSAGE)));
  }
  return messages;
}

export const feedStatusEvent = z.object({
  type: z.literal('feed:status'),
  marketId: z.string(),
  status: z.enum(FEED_STATUSES),
  ...traceFields,
});
export type FeedStatusEvent = z.infer<typeof feedStatusEvent>;

/** An accepted tick on `CHANNELS.prices`: the market's new current price. */
export const priceEvent = z.object({ marketId: z.string(), price: z.number().positive(), ts: int });
export type PriceEvent = z.infer<typeof priceEvent>;

/** The ledger's answer to a deposit job, for the gateway request waiting on it (deposits are not on the bet stream). */
/** Loyalty's answer to a staff request job, for the gateway that waits on it. */
export const loyaltyReplyEvent = z.object({ jobId: z.string(), reply: loyaltyReply });
export type LoyaltyReplyEvent = z.infer<typeof loyaltyReplyEvent>;

export const depositDoneEvent = z.object({ jobId: z.string(), result: depositResult });
export type DepositDoneEvent = z.infer<typeof depositDoneEvent>;
