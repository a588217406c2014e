/**
 * SPEC 4.7's accrual, in integer arithmetic: theo = wagered × HOUSE_EDGE_BPS / 10 000 and
 * points = floor(theo × POINTS_PER_UNIT_BPS × tierMultiplierBps / 10⁸), computed as one exact fraction floored once
 * (theo is not rounded on its own: a slip of 10 cents at 5 % has a theo of half a cent, and that half counts).
 * BigInt: wagered × edge × rate × multiplier passes 2⁵³ for a slip of a few million.
 */
export interface AccrualRates {
  houseEdgeBps: number;
  pointsPerUnitBps: number;
}

const BPS = 10_000n;

export function accrualPoints(wagered: number, rates: AccrualRates, tierMultiplierBps: number): number {
  for (const [name, v] of [
    ['wagered', wagered],
    ['houseEdgeBps', rates.houseEdgeBps],
    ['pointsPerUnitBps', rates.pointsPerUnitBps],
    ['tierMultiplierBps', tierMultiplierBps],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  }
  const numerator = BigInt(wagered) * BigInt(rates.houseEdgeBps) * BigInt(rates.pointsPerUnitBps) * BigInt(tierMultiplierBps);
  // BigInt division truncates, which is floor for these non-negative operands.
  const points = numerator / (BPS * BPS * BPS);
  if (points > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`points overflow for wagered ${wagered}`);
  return Number(points);
}
