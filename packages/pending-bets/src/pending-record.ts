import { z } from 'zod';
import type { BetIntent } from '@wagerflow/contracts';

/** What the gateway keeps about an accepted bet under its key until the ledger has stored the outcome. */
export const pendingRecord = z.object({
  betId: z.string().min(1),
  playerId: z.string().min(1),
  clientBetId: z.string().min(1),
  marketId: z.string(),
  cellId: z.string(),
  stake: z.number(),
  multiplierBps: z.number(),
  minMultiplierBps: z.number().nullable(),
  placedAt: z.number(),
});
export type PendingRecord = z.infer<typeof pendingRecord>;

/**
 * What the ledger leaves in a pending record's place once the bet is stored, for STORED_MARKER_TTL_S. A request that
 * found no record and no stored bet can still try to claim the key a moment later: the marker makes that claim fail
 * (it then reads the stored bet), where a deleted record would let it win a key Postgres already holds.
 */
export const storedMarker = z.object({ betId: z.string().min(1), stored: z.literal(true) });
export type StoredMarker = z.infer<typeof storedMarker>;

/** What a bet's key holds: its pending record, the stored marker (the bet is in Postgres), or nothing. */
export type KeyValue = { kind: 'pending'; record: PendingRecord } | { kind: 'stored'; betId: string } | null;

const keyValue = z.union([storedMarker, pendingRecord]);

export function parseKeyValue(raw: string | null): KeyValue {
  if (raw === null) return null;
  const v = keyValue.parse(JSON.parse(raw));
  return 'stored' in v ? { kind: 'stored', betId: v.betId } : { kind: 'pending', record: v };
}

/** The bet that owns a key, and whether that is the stored marker: all the ledger needs of a key. */
export interface KeyOwner {
  owner: string;
  stored: boolean;
}
// The ledger reads only the owner: a record's other fields are the gateway's business.
const keyOwner = z.union([storedMarker, pendingRecord.pick({ betId: true })]);

/**
 * A value that names no bet (only our scripts write these keys, so it would take a corruption) names no intent of the
 * batch either: its intents are dropped, as a record naming another bet would be, instead of failing every batch
 * that carries them (which would hold up their window's settlement forever).
 */
const UNREADABLE: KeyOwner = { owner: '', stored: false };

export function parseKeyOwner(raw: string | null | undefined): KeyOwner | null {
  if (!raw) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return UNREADABLE;
  }
  const v = keyOwner.safeParse(json);
  return v.success ? { owner: v.data.betId, stored: 'stored' in v.data } : UNREADABLE;
}

/** The record of an intent: the gateway writes the same fields it queues (placedAt is the intent's acceptedAt). */
export function recordOf(intent: BetIntent): PendingRecord {
  return {
    betId: intent.betId,
    playerId: intent.playerId,
    clientBetId: intent.clientBetId,
    marketId: intent.marketId,
    cellId: intent.cellId,
    stake: intent.stake,
    multiplierBps: intent.multiplierBps,
    minMultiplierBps: intent.minMultiplierBps,
    placedAt: intent.acceptedAt,
  };
}
