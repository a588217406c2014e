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
  .refine((x) => Math.abs(x * 100 - Math.round(x * 100)) < 1e-7, 'at most 2 decimals')
  // JSON Schema cannot state "2 decimals" safely (multipleOf 0.01 fails on binary floats): said in words.
  .meta({ description: 'a positive number with at most 2 decimals' });

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

export type BetView = z.output<typeof betViewSchema>;

export const FEED_STATUSES = ['HEALTHY', 'DEGRADED', 'CRITICAL'] as const;
export type FeedStatus = (typeof FEED_STATUSES)[number];
/** A market's published status; none yet (or not one of ours) is CRITICAL: SPEC 3's table applied to "no tick yet". */
export const feedStatusOf = (status: string | null | undefined): FeedStatus => FEED_STATUSES.find((s) => s === status) ?? 'CRITICAL';

export type MarketView = z.output<typeof marketViewSchema>;

export type GridCell = z.output<typeof gridCellSchema>;

// Query strings: the gateway validates them with these, and GET /v1/openapi.json is generated from them.

/** `GET /v1/bets?clientBetId=`: one bet, by the id the player gave it. */
export const betByClientIdQuery = z.strictObject({ clientBetId: z.uuid() });

/** `GET /v1/bets?since=&limit=&cursor=`: the player's bets with `updatedAt >= since`, oldest change first. */
export const betListQuery = z.strictObject({
  since: z.coerce.number().int().min(0).max(8.64e15).meta({ description: 'epoch ms: bets with updatedAt >= since' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional().meta({ description: 'nextCursor of the previous page' }),
});

// Response shapes (SPEC 4), for the OpenAPI document; each matches the interface above (checked below).

const int = z.number().int();
const epochMs = int.meta({ description: 'Unix epoch milliseconds' });
const minorUnits = int.meta({ description: 'integer minor units (cents)' });

export const serverTimeResponse = z.object({ serverTime: epochMs });

export const marketViewSchema = z.object({
  marketId: z.string(),
  price: z.number().nullable(),
  feedStatus: z.enum(FEED_STATUSES),
  lastTickAt: epochMs.nullable(),
});

export const gridCellSchema = z.object({
  cellId: z.string().meta({ description: '{marketId}:{windowStart}:{bandIndex}' }),
  priceLow: z.number(),
  priceHigh: z.number(),
  windowStart: epochMs,
  windowEnd: epochMs,
  multiplier: z.number(),
});

export const gridResponse = z.object({
  marketId: z.string(),
  price: z.number().nullable(),
  asOf: epochMs,
  priceStep: z.number(),
  windowMs: int,
  lockoutMs: int,
  cells: z.array(gridCellSchema),
});

export const placeBetAccepted = z.object({
  betId: z.string(),
  clientBetId: z.string(),
  status: z.literal('pending'),
  multiplier: z.number().meta({ description: 'the multiplier locked for this bet' }),
});

export const betViewSchema = z.object({
  betId: z.string(),
  clientBetId: z.string(),
  marketId: z.string(),
  cellId: z.string(),
  stake: minorUnits,
  multiplier: z.number(),
  status: z.enum(BET_STATUSES),
  reason: z.string().nullable(),
  result: z.enum(BET_RESULTS).nullable().meta({ description: 'null unless confirmed, then open until settled' }),
  payout: minorUnits.nullable(),
  placedAt: epochMs,
  confirmedAt: epochMs.nullable(),
  settledAt: epochMs.nullable(),
  updatedAt: epochMs,
});

export const betPageResponse = z.object({ bets: z.array(betViewSchema), nextCursor: z.string().nullable() });

export const meResponse = z.object({
  playerId: z.string(),
  balance: minorUnits,
  walletSeq: int,
  loyalty: z.object({ points: int, tier: z.string() }),
});

export type MeResponse = z.output<typeof meResponse>;

export const createPlayerResponse = z.object({ playerId: z.string(), apiKey: z.string(), apiSecret: z.string() });
export const depositResponse = z.object({ depositId: z.string(), balance: minorUnits });
export const createStaffResponse = z.object({ staffId: z.string(), token: z.string() });
const driftCount = z.object({ checked: int, drift: int });
export const reconciliationResponse = z.object({ wallets: driftCount, loyalty: driftCount });
export const tickAcceptedResponse = z.object({ accepted: z.literal(true) });

/** POST /v1/admin/archive/run (SPEC 4.8): the run's id; a run already going answers its own id. */
export const archiveRunAccepted = z.object({ runId: z.string() });
/** GET /v1/admin/archive/runs/{runId}: a run as the archiver records it (`queued` until the archiver takes it). */
export const archiveRunView = z.object({
  runId: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  trigger: z.string().nullable(),
  cutoff: z.number().int().nullable(),
  startedAt: z.number().int().nullable(),
  finishedAt: z.number().int().nullable(),
  error: z.string().nullable(),
  partitions: z.number().int(),
  bets: z.number().int(),
  walletEntries: z.number().int(),
  bytes: z.number().int(),
  files: z.array(
    z.object({
      partitionKey: z.string(),
      objectKey: z.string(),
      bets: z.number().int(),
      walletEntries: z.number().int(),
      bytes: z.number().int(),
      sha256: z.string(),
    }),
  ),
});
export type ArchiveRunView = z.infer<typeof archiveRunView>;
