import { z } from 'zod';

/** SPEC 4.7's loyalty API: request bodies, queries and response shapes (the gateway validates and documents them). */

const int = z.number().int();
const epochMs = int.meta({ description: 'Unix epoch milliseconds' });

/** The most points one manual reward may grant (SPEC 4.7); above it 422 `points_exceed_max`. */
export const REWARD_MAX_POINTS = 10_000;

/**
 * `points`: an integer ≥ 1 here (400 otherwise); the 10 000 cap is a business rule checked after the replay and
 * unknown-player checks (422 `points_exceed_max`), as SPEC 4's order puts it.
 */
export const rewardBody = z.strictObject({
  playerId: z.string().min(1).max(128),
  points: z
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .meta({ description: `1 … ${REWARD_MAX_POINTS}` }),
  reason: z
    .string()
    .min(1)
    .max(500)
    .refine((r) => r.trim().length > 0, 'reason must not be blank')
    // The refinement is invisible to JSON Schema (the OpenAPI document): stated in words.
    .meta({ description: 'not blank: at least one character other than white space' }),
});
export type RewardBody = z.infer<typeof rewardBody>;

/** The optional `Idempotency-Key` header: printable ASCII, 1 … 200 characters. */
export const idempotencyKeyHeader = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'printable ASCII without spaces, 1 … 200 characters');

export const ENTRY_KINDS = ['accrual', 'manual'] as const;

export const loyaltyEntrySchema = z.object({
  entryId: z.string(),
  kind: z.enum(ENTRY_KINDS),
  points: int.meta({ description: 'credited (negative: a bet of an accrued slip voided later)' }),
  balanceBefore: int,
  balanceAfter: int,
  staffId: z.string().nullable(),
  ratingSlipId: z.string().nullable(),
  reason: z.string(),
  correlationId: z.string(),
  createdAt: epochMs,
});
export type LoyaltyEntry = z.output<typeof loyaltyEntrySchema>;

export const rewardResponse = z.object({
  entryId: z.string(),
  playerId: z.string(),
  points: int,
  reason: z.string(),
  staffId: z.string(),
  balanceBefore: int,
  balanceAfter: int,
  correlationId: z.string(),
  duplicate: z.boolean().meta({ description: 'true: a repeat of an earlier reward, answered with the original entry' }),
});
export type RewardResponse = z.output<typeof rewardResponse>;

export const SLIP_STATUSES = ['open', 'closed'] as const;
export const ACCRUAL_STATES = ['none', 'pending', 'done'] as const;

export const slipViewSchema = z.object({
  slipId: z.string(),
  status: z.enum(SLIP_STATUSES),
  wagered: int.meta({ description: 'stakes of the counted bets, voided ones taken out (minor units)' }),
  openedAt: epochMs,
  closedAt: epochMs.nullable(),
  points: int.nullable().meta({ description: 'null until step 2 has accrued' }),
  accrual: z.enum(ACCRUAL_STATES).meta({ description: 'none: open; pending: closed, not accrued yet; done: accrued' }),
});
export type SlipView = z.output<typeof slipViewSchema>;

export const loyaltyAccountResponse = z.object({
  playerId: z.string(),
  points: int,
  tier: z.string(),
  entries: z.array(loyaltyEntrySchema).meta({ description: 'newest first' }),
  nextCursor: z.string().nullable(),
});
export type LoyaltyAccountResponse = z.output<typeof loyaltyAccountResponse>;

/** `?limit=&cursor=` of the loyalty account reads. */
export const loyaltyPageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional().meta({ description: 'nextCursor of the previous page' }),
});
