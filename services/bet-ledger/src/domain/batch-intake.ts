import { feedStatusOf } from '@wagerflow/contracts';
import type { KeyOwner } from '@wagerflow/pending-bets';

export type { KeyOwner };

/** A bet's idempotency key and id: what the intake rules look at. */
export interface KeyedBet {
  betId: string;
  playerId: string;
  clientBetId: string;
}

/** The (player, clientBetId) key as one string. */
export const betKey = (b: { playerId: string; clientBetId: string }): string => `${b.playerId}\u0000${b.clientBetId}`;

/** Queued bets of a market whose published status is CRITICAL are rejected; no status yet counts as CRITICAL. */
export function isSuspended(status: string | null | undefined): boolean {
  return feedStatusOf(status) === 'CRITICAL';
}

/**
 * `unclaimed`: the bets whose key may be stored already and must be looked up in Postgres: no record (its marker
 * expired) or the stored marker (a redelivery). A key whose pending record names a bet is stored only after a crash
 * between a commit and its markers, or by a racing batch; the insert's unique keys catch those. `all`: every bet.
 */
export function needsStoredLookup<B extends KeyedBet>(bets: readonly B[], owners: ReadonlyMap<string, KeyOwner | null>): B[] {
  return bets.filter((bet) => {
    const held = owners.get(bet.betId);
    return !held || held.stored;
  });
}

/**
 * Intents not to decide, dropped: their key's record names another bet (a concurrent duplicate won it), there is no
 * record and nothing stored (the claim script refused them as too late), or their key belongs to an archived bet (a
 * redelivery after the bet was settled and archived: placing it again would charge it twice). A stored key with no
 * record is a redelivery after its marker expired: re-published, not dropped.
 */
export function droppedIntents(
  bets: readonly KeyedBet[],
  owners: ReadonlyMap<string, KeyOwner | null>,
  storedKeys: ReadonlySet<string>,
  archivedKeys: ReadonlySet<string> = new Set(),
): Set<string> {
  return new Set(
    bets
      .filter((bet) => {
        if (archivedKeys.has(betKey(bet))) return true;
        const held = owners.get(bet.betId);
        return held ? held.owner !== bet.betId : !storedKeys.has(betKey(bet));
      })
      .map((bet) => bet.betId),
  );
}

/** The bets to decide: not stored, not dropped, and the first of each key (a later one of the same key is a duplicate). */
export function freshIntents<B extends KeyedBet>(bets: readonly B[], storedKeys: ReadonlySet<string>, dropped: ReadonlySet<string>): B[] {
  const fresh = new Map<string, B>();
  for (const bet of bets) {
    const key = betKey(bet);
    if (!storedKeys.has(key) && !fresh.has(key) && !dropped.has(bet.betId)) fresh.set(key, bet);
  }
  return [...fresh.values()];
}
