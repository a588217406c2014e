import { z } from 'zod';

/** Request bodies of SPEC 4 and their response shapes. These schemas validate requests at the gateway. */

const positiveSafeInt = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const createPlayerBody = z.strictObject({
  displayName: z.string().trim().min(1).max(64),
});

export const depositBody = z.strictObject({
  amount: z.number().int().min(1).max(1e12),
  reference: z.string().min(1).max(128),
});

export const STAFF_ROLES = ['host', 'supervisor', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const createStaffBody = z.strictObject({
  name: z.string().trim().min(1).max(64),
  role: z.enum(STAFF_ROLES),
});

/** At most 2 decimals, positive: multipliers travel as JSON numbers but are compared in basis points. */
export const multiplierNumber = z
  .number()
  .positive()
  .max(1e6)
  .refine((x) => Math.abs(x * 100 - Math.round(x * 100)) < 1e-7, 'at most 2 decimals');

export const placeBetBody = z.strictObject({
  clientBetId: z.uuid(),
  marketId: z.string().min(1).max(64),
  cellId: z.string().min(1).max(128),
  stake: positiveSafeInt,
  minMultiplier: multiplierNumber.optional(),
});
export type PlaceBetBody = z.infer<typeof placeBetBody>;

export const adminTickBody = z.strictObject({
  price: z.number().positive().max(1e12),
  ts: z.number().int().positive().max(8.64e15).optional(),
});

export const BET_STATUSES = ['pending', 'confirmed', 'rejected'] as const;
export type BetStatus = (typeof BET_STATUSES)[number];
export const BET_RESULTS = ['open', 'won', 'lost', 'void'] as const;
export type BetResult = (typeof BET_RESULTS)[number];

export interface BetView {
  betId: string;
  clientBetId: string;
  marketId: string;
  cellId: string;
  stake: number;
  multiplier: number;
  status: BetStatus;
  reason: string | null;
  result: BetResult | null;
  payout: number | null;
  placedAt: number;
  confirmedAt: number | null;
  settledAt: number | null;
  updatedAt: number;
}

export const FEED_STATUSES = ['HEALTHY', 'DEGRADED', 'CRITICAL'] as const;
export type FeedStatus = (typeof FEED_STATUSES)[number];

export interface MarketView {
  marketId: string;
  price: number | null;
  feedStatus: FeedStatus;
  lastTickAt: number | null;
}

export interface GridCell {
  cellId: string;
  priceLow: number;
  priceHigh: number;
  windowStart: number;
  windowEnd: number;
  multiplier: number;
}
