import type { Play } from '@wagerflow/contracts';

/**
 * How a batch of plays changes rating slips (SPEC 4.7), the pure half of the plays transaction: which players need a
 * slip opened, and each slip's change once the database has said which bets were new and which voids took effect.
 */

/** Each bet once per batch (a job redelivered while its first delivery is still batched sends it twice). */
export function splitPlays(plays: readonly Play[]): { bets: Play[]; voids: Play[] } {
  const bets = new Map<string, Play>();
  const voids = new Map<string, Play>();
  for (const p of plays) (p.kind === 'bet' ? bets : voids).set(p.betId, p);
  return { bets: [...bets.values()], voids: [...voids.values()] };
}

/** The players among `bets` without an open slip, each with the play that opens theirs (the earliest). */
export function slipsToOpen(bets: readonly Play[], withOpenSlip: ReadonlySet<string>): Play[] {
  const first = new Map<string, Play>();
  for (const b of bets) {
    if (withOpenSlip.has(b.playerId)) continue;
    const seen = first.get(b.playerId);
    if (!seen || b.at < seen.at || (b.at === seen.at && b.betId < seen.betId)) first.set(b.playerId, b);
  }
  return [...first.values()];
}

export interface SlipDelta {
  slipId: string;
  wagered: number;
  betCount: number;
  /** Latest play time among new bets; null when the change is voids only (a void is not play). */
  lastPlayAt: number | null;
}

/** One change per slip: new bets add their stakes, voids that took effect take theirs back out. */
export function slipDeltas(
  counted: readonly { slipId: string; stake: number; at: number }[],
  voided: readonly { slipId: string; stake: number }[],
): SlipDelta[] {
  const bySlip = new Map<string, SlipDelta>();
  const of = (slipId: string) => {
    let d = bySlip.get(slipId);
    if (!d) bySlip.set(slipId, (d = { slipId, wagered: 0, betCount: 0, lastPlayAt: null }));
    return d;
  };
  for (const c of counted) {
    const d = of(c.slipId);
    d.wagered += c.stake;
    d.betCount += 1;
    d.lastPlayAt = Math.max(d.lastPlayAt ?? c.at, c.at);
  }
  for (const v of voided) {
    const d = of(v.slipId);
    d.wagered -= v.stake;
    d.betCount -= 1;
  }
  return [...bySlip.values()].sort((a, b) => (a.slipId < b.slipId ? -1 : a.slipId > b.slipId ? 1 : 0));
}
