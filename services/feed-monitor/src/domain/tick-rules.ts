/** SPEC 3's one rule for the gateway and feed-monitor (checked in markets.ts's script): defined in the contracts. */
export { TICK_FUTURE_TOLERANCE_MS } from '@wagerflow/contracts';

/** Price of the next simulator tick: a multiplicative random walk, rounded to cents. */
export function nextSimulatedPrice(price: number, volatilityBpsPerSqrtS: number, intervalMs: number, gaussian: number): number {
  const sigma = (volatilityBpsPerSqrtS / 10_000) * Math.sqrt(intervalMs / 1000);
  return Math.max(0.01, Math.round(price * (1 + sigma * gaussian) * 100) / 100);
}
