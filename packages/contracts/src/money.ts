/**
 * Money is integer minor units; multipliers are integer basis points (1.15 → 11 500). No float
 * ever touches an amount: `100 * 1.15` is 114.99999999999999 in a double.
 */
export const BPS = 10_000;

/** Multiplier with at most 2 decimals (a JSON number) → basis points, exactly. */
export function multiplierToBps(multiplier: number): number {
  return Math.round(multiplier * 100) * 100;
}

/** Basis points → the JSON number clients see (at most 2 decimals). */
export function bpsToMultiplier(bps: number): number {
  return Math.floor(bps / 100) / 100;
}

/** Total return of a winning bet: floor(stake × multiplierBps / 10 000), in exact integer arithmetic. */
export function winPayout(stake: number, multiplierBps: number): number {
  const payout = (BigInt(stake) * BigInt(multiplierBps)) / BigInt(BPS);
  return Number(payout);
}

/** Liability of one bet on its cell: what the house pays beyond the stake if it wins. */
export function betLiability(stake: number, multiplierBps: number): number {
  return winPayout(stake, multiplierBps) - stake;
}
