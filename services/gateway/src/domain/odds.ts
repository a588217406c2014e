/**
 * Odds model (documented in the README): the price follows a driftless Brownian motion with
 * σ = price × volatilityBps / 10 000 per √second. A cell's probability p is the chance that the
 * price is inside [low, high) at some moment of [windowStart, windowEnd):
 *   p = E[ touch(X) ],  X = price at windowStart ~ N(S, σ²·t0)
 *   touch(x) = 1 inside the band, else 2·(1 − Φ(d / (σ·√T))) by the reflection principle,
 *   d = distance from x to the band, T = window length.
 * The expectation is integrated numerically (Simpson, fixed grid): deterministic for equal inputs.
 * multiplier = (1 − edge) / p, rounded down to 2 decimals, capped at the maximum; below the
 * minimum the cell is not offered. Returned as integer basis points.
 */
export interface OddsParams {
  houseEdgeBps: number;
  minMultiplierBps: number;
  maxMultiplierBps: number;
  volatilityBpsPerSqrtS: number;
}

export interface CellQuoteInput {
  price: number;
  now: number;
  windowStart: number;
  windowEnd: number;
  priceLow: number;
  priceHigh: number;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

function touchFrom(x: number, low: number, high: number, sigmaWindow: number): number {
  if (x >= low && x < high) return 1;
  if (sigmaWindow <= 0) return 0;
  const d = x < low ? low - x : x - high;
  return Math.min(1, 2 * (1 - normCdf(d / sigmaWindow)));
}

const STEPS = 200; // even, for Simpson's rule

export function touchProbability(q: CellQuoteInput, volatilityBpsPerSqrtS: number): number {
  const sigma = (q.price * volatilityBpsPerSqrtS) / 10_000;
  const t0 = Math.max(0, q.windowStart - q.now) / 1000;
  const sigmaWindow = sigma * Math.sqrt(Math.max(0, q.windowEnd - Math.max(q.windowStart, q.now)) / 1000);
  const spread = sigma * Math.sqrt(t0);
  if (spread <= 0) return touchFrom(q.price, q.priceLow, q.priceHigh, sigmaWindow);
  const lo = q.price - 8 * spread;
  const h = (16 * spread) / STEPS;
  let sum = 0;
  for (let i = 0; i <= STEPS; i++) {
    const x = lo + i * h;
    const z = (x - q.price) / spread;
    const w = i === 0 || i === STEPS ? 1 : i % 2 === 1 ? 4 : 2;
    sum += w * Math.exp(-0.5 * z * z) * touchFrom(x, q.priceLow, q.priceHigh, sigmaWindow);
  }
  const p = (sum * h) / 3 / (spread * Math.sqrt(2 * Math.PI));
  return Math.min(1, Math.max(0, p));
}

/** Multiplier in basis points, or null when the cell is not offered (below the minimum). */
export function quoteMultiplierBps(q: CellQuoteInput, params: OddsParams): number | null {
  const p = touchProbability(q, params.volatilityBpsPerSqrtS);
  // A band the price cannot reach is not offered (no multiplier pays out on p = 0).
  if (p <= 0) return null;
  // Hundredths, rounded down; the epsilon absorbs binary noise such as 189.99999999999997.
  const hundredths = Math.floor((10_000 - params.houseEdgeBps) / 100 / p + 1e-9);
  const bps = Math.min(hundredths * 100, params.maxMultiplierBps);
  return bps < params.minMultiplierBps ? null : bps;
}
