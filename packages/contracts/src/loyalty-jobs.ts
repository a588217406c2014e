import { z } from 'zod';
import { loyaltyEntrySchema, slipViewSchema } from './loyalty-api.js';

/**
 * Loyalty's jobs (SPEC 4.7). Two queues: `loyalty` carries plays from the ledger and the slip sweep (throughput work,
 * group-committed); `loyalty-requests` carries staff requests the gateway waits on (reward, close, recover), so that a
 * backlog of plays never delays an answer.
 */

const int = z.number().int();

export const PLAY_KINDS = ['bet', 'void'] as const;
export type PlayKind = (typeof PLAY_KINDS)[number];

/**
 * A confirmed bet (`bet`: counts into the player's open slip, opening one) or a void of one (`void`: taken back out).
 * `at` is the bet's confirm or settle time; `traceparent` the bet's trace, so that the accrual joins it.
 */
export const playSchema = z.object({
  kind: z.enum(PLAY_KINDS),
  betId: z.string().min(1),
  playerId: z.string().min(1),
  stake: int.positive(),
  at: int,
  correlationId: z.string(),
  traceparent: z.string().optional(),
});
export type Play = z.infer<typeof playSchema>;

/** Plays of one ledger batch or settlement chunk (each bet keeps its own key: `slip_plays.bet_id`). */
export const playsJob = z.object({ plays: z.array(playSchema).min(1).max(5_000) });
export type PlaysJob = z.infer<typeof playsJob>;

/** The scheduler's tick: close idle slips, accrue them, and recover closed slips left without accrual. */
export const slipSweepJob = z.object({});
export type SlipSweepJob = z.infer<typeof slipSweepJob>;

/**
 * `POST /v1/loyalty/rewards` as the gateway checked it (staff with the award right, body valid). `playerKnown`: the
 * player exists (the gateway owns players); loyalty answers 404 after the replay check, in SPEC 4's order.
 * `requestedAt` fixes the gaming date, so a redelivered job computes the same date-bucket key.
 */
export const rewardJob = z.object({
  playerId: z.string().min(1),
  playerKnown: z.boolean(),
  staffId: z.string().min(1),
  points: int.min(1),
  reason: z.string().min(1),
  idempotencyKey: z.string().min(1).nullable(),
  requestedAt: int,
  correlationId: z.string(),
});
export type RewardJob = z.infer<typeof rewardJob>;

/** `POST /v1/loyalty/slips/{slipId}/close` and `…/recover`. */
export const slipRequestJob = z.object({ slipId: z.string().min(1), staffId: z.string().min(1), correlationId: z.string() });
export type SlipRequestJob = z.infer<typeof slipRequestJob>;

export const LOYALTY_REQUEST_ERRORS = [
  'idempotency_key_reused',
  'unknown_player',
  'points_exceed_max',
  'rate_limited',
  'unknown_slip',
  'slip_open',
] as const;

/** Loyalty's answer to a request job: its return value, and published on the replies channel. */
export const loyaltyReply = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reward'), entry: loyaltyEntrySchema.extend({ playerId: z.string() }), duplicate: z.boolean() }),
  z.object({ kind: z.literal('slip'), slip: slipViewSchema, changed: z.boolean() }),
  z.object({
    kind: z.literal('error'),
    code: z.enum(LOYALTY_REQUEST_ERRORS),
    message: z.string(),
    /** rate_limited: seconds until the oldest award of the window leaves it. */
    retryAfterS: int.min(1).optional(),
  }),
]);
export type LoyaltyReply = z.infer<typeof loyaltyReply>;
