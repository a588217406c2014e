/**
 * The loyalty ledger's arithmetic (SPEC 4.7): credits applied to locked accounts in order, each entry carrying the
 * balance before and after and the next per-account sequence number. Pure: the caller holds the account locks and
 * writes what this returns.
 */
export interface AccountState {
  playerId: string;
  points: number;
  lifetimePoints: number;
  seq: number;
}

export type EntryKind = 'accrual' | 'manual';

export interface Credit {
  playerId: string;
  kind: EntryKind;
  /** Negative only for an accrued slip whose bet was voided later. */
  points: number;
  staffId: string | null;
  ratingSlipId: string | null;
  reason: string;
  correlationId: string;
  idempotencyKey: string;
  fingerprint: string | null;
  requestId: string | null;
}

export interface EntryRow extends Credit {
  id: string;
  seq: number;
  balanceBefore: number;
  balanceAfter: number;
  createdAt: number;
}

export class NegativeBalanceError extends Error {
  override name = 'NegativeBalanceError';
}

/**
 * Apply `credits` in order. Returns the entries and the accounts' new state (only the changed ones). Throws on an
 * unknown (unlocked) account or a balance that would go below 0, which a correct caller never produces: a void
 * takes back at most what its slip credited.
 */
export function postCredits(
  accounts: ReadonlyMap<string, AccountState>,
  credits: readonly Credit[],
  newId: () => string,
  now: number,
): { entries: EntryRow[]; changed: AccountState[] } {
  const state = new Map<string, AccountState>();
  const entries: EntryRow[] = [];
  for (const c of credits) {
    if (!Number.isSafeInteger(c.points)) throw new RangeError(`points must be an integer, got ${c.points}`);
    const before = state.get(c.playerId) ?? accounts.get(c.playerId);
    if (!before) throw new Error(`account ${c.playerId} is not locked by this transaction`);
    const after: AccountState = {
      playerId: c.playerId,
      points: before.points + c.points,
      lifetimePoints: Math.max(0, before.lifetimePoints + c.points),
      seq: before.seq + 1,
    };
    if (after.points < 0) throw new NegativeBalanceError(`account ${c.playerId} would go to ${after.points} points`);
    state.set(c.playerId, after);
    entries.push({ ...c, id: newId(), seq: after.seq, balanceBefore: before.points, balanceAfter: after.points, createdAt: now });
  }
  return { entries, changed: [...state.values()] };
}
