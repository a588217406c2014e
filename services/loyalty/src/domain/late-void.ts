import { accrualPoints, type AccrualRates } from './points.js';
import type { Credit } from './loyalty-ledger.js';

/**
 * A bet voided after its slip accrued (its window settled after the slip closed): the slip's points are computed
 * again on what is left wagered, and the difference is taken back with an accrual entry on the same slip. Computed
 * from the whole slip, not per bet, so the floors add up to exactly what the slip would have earned without the bet.
 */
export interface AccruedSlip {
  id: string;
  playerId: string;
  wagered: number;
  tierMultiplierBps: number;
  /** Points credited so far. */
  points: number;
}

export interface LateVoid {
  slipId: string;
  betId: string;
  correlationId: string;
}

export function lateVoidCorrections(
  slips: readonly AccruedSlip[],
  voids: readonly LateVoid[],
  rates: AccrualRates,
): { slipId: string; points: number; credit: Credit }[] {
  const out: { slipId: string; points: number; credit: Credit }[] = [];
  for (const slip of slips) {
    const mine = voids.filter((v) => v.slipId === slip.id).sort((a, b) => (a.betId < b.betId ? -1 : 1));
    const first = mine[0];
    if (!first) continue;
    const points = accrualPoints(slip.wagered, rates, slip.tierMultiplierBps);
    const delta = points - slip.points;
    if (delta === 0) continue;
    const more = mine.length > 1 ? ` and ${mine.length - 1} more` : '';
    out.push({
      slipId: slip.id,
      points,
      credit: {
        playerId: slip.playerId,
        kind: 'accrual',
        points: delta,
        staffId: null,
        ratingSlipId: slip.id,
        reason: `bet ${first.betId}${more} voided after the slip accrued`,
        correlationId: first.correlationId,
        idempotencyKey: `void:${slip.id}:${first.betId}`,
        fingerprint: null,
        requestId: null,
      },
    });
  }
  return out;
}
