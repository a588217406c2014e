import { describe, it, expect } from 'vitest';
import { normCdf, quoteMultiplierBps, touchProbability, type CellQuoteInput, type OddsParams } from './odds.js';

const STEP = 25;
const VOL = 5; // bps per √s: σ = 50 per √s at a price of 100 000

/** A cell of band `band` (step 25) in the window [10 000, 20 000), quoted at `now` 0 and price 100 000. */
const quote = (band: number, over: Partial<CellQuoteInput> = {}): CellQuoteInput => ({
  price: 100_000,
  now: 0,
  windowStart: 10_000,
  windowEnd: 20_000,
  priceLow: band * STEP,
  priceHigh: (band + 1) * STEP,
  ...over,
});
const params = (over: Partial<OddsParams> = {}): OddsParams => ({
  houseEdgeBps: 500,
  minMultiplierBps: 10_100,
  maxMultiplierBps: 1_000_000,
  volatilityBpsPerSqrtS: VOL,
  ...over,
});
const p = (q: CellQuoteInput, vol = VOL) => touchProbability(q, vol);

describe('normCdf', () => {
  it.each([
    [0, 0.5],
    [1, 0.8413447461],
    [-1, 0.1586552539],
    [1.96, 0.9750021049],
    [-1.96, 0.0249978951],
    [2.5758, 0.9949995763],
    [3, 0.998650102],
    [-3, 0.001349898],
  ])('Φ(%d) ≈ %d', (z, want) => {
    expect(Math.abs(normCdf(z) - want)).toBeLessThan(2e-7);
  });

  it('is symmetric, monotonic and bounded', () => {
    let prev = -1;
    for (let z = -8; z <= 8; z += 0.05) {
      const v = normCdf(z);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(v).toBeGreaterThanOrEqual(prev);
      expect(normCdf(z) + normCdf(-z)).toBeCloseTo(1, 12);
      prev = v;
    }
    expect(normCdf(-40)).toBe(0);
    expect(normCdf(40)).toBe(1);
  });
});

describe('touchProbability', () => {
  it('is in (0, 1] for bands around the price', () => {
    for (let band = 3980; band <= 4020; band++) {
      const v = p(quote(band));
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('is 1 when the price is inside the band and the window has started', () => {
    expect(p(quote(4000, { now: 10_000 }))).toBe(1); // exactly at windowStart
    expect(p(quote(4000, { now: 15_000 }))).toBe(1);
    expect(p(quote(4000, { now: 15_000, price: 100_024.99 }))).toBe(1);
    expect(p(quote(4000, { now: 15_000, price: 100_025 }))).toBeLessThan(1); // priceHigh is exclusive
  });

  it('is below 1 for the price band of a future window', () => {
    const v = p(quote(4000));
    expect(v).toBeGreaterThan(0.5);
    expect(v).toBeLessThan(1);
  });

  it('decreases with the distance from the price, above and below', () => {
    // price 100 000 is the boundary between bands 3999 and 4000
    for (let k = 0; k < 30; k++) {
      expect(p(quote(4000 + k))).toBeGreaterThan(p(quote(4001 + k)));
      expect(p(quote(3999 - k))).toBeGreaterThan(p(quote(3998 - k)));
    }
    expect(p(quote(4000))).toBeGreaterThan(0.5);
    expect(p(quote(4040))).toBeLessThan(0.01);
  });

  it('is symmetric above and below the price', () => {
    for (let k = 0; k < 20; k++) {
      expect(p(quote(4000 + k))).toBeCloseTo(p(quote(3999 - k)), 8);
    }
  });

  it('for a started window equals the reflection formula 2·(1 − Φ(d / σ√T))', () => {
    // σ = 100 000 × 5 / 10 000 = 50 per √s, T = 10 s remaining, d = 50
    const v = p(quote(4002, { now: 10_000 }));
    expect(v).toBeCloseTo(2 * (1 - normCdf(50 / (50 * Math.sqrt(10)))), 12);
    expect(v).toBeCloseTo(0.7518, 3);
    // later in the window the remaining time shrinks, so does the chance
    expect(p(quote(4002, { now: 17_500 }))).toBeCloseTo(2 * (1 - normCdf(50 / (50 * Math.sqrt(2.5)))), 12);
  });

  it('is 0 outside the band once the window has ended', () => {
    expect(p(quote(4002, { now: 20_000 }))).toBe(0);
    expect(p(quote(4000, { now: 20_000 }))).toBe(1); // inside: touchFrom says 1
  });

  it('grows with volatility for a distant band', () => {
    const far = quote(4020);
    expect(p(far, 10)).toBeGreaterThan(p(far, 5));
    expect(p(far, 5)).toBeGreaterThan(p(far, 2));
  });

  it('for a later window: lower near the price, higher far from it', () => {
    const later = { windowStart: 50_000, windowEnd: 60_000 };
    expect(p(quote(4000, later))).toBeLessThan(p(quote(4000)));
    expect(p(quote(4030, later))).toBeGreaterThan(p(quote(4030)));
  });

  it('is deterministic', () => {
    const q = quote(4007, { price: 100_012.34, now: 1_234 });
    expect(p({ ...q })).toBe(p({ ...q }));
  });
});

describe('quoteMultiplierBps', () => {
  it('is a multiple of 100 bps within [min, max] or null', () => {
    let offered = 0;
    for (let band = 3950; band <= 4050; band++) {
      for (const now of [0, 3_333, 7_999]) {
        const m = quoteMultiplierBps(quote(band, { now, price: 100_003.17 }), params());
        if (m == null) continue;
        offered++;
        expect(m % 100).toBe(0);
        expect(m).toBeGreaterThanOrEqual(10_100);
        expect(m).toBeLessThanOrEqual(1_000_000);
      }
    }
    expect(offered).toBe(303);
  });

  it('is floor((1 − edge) / p) in hundredths, so the house edge is kept', () => {
    for (let band = 3990; band <= 4012; band++) {
      const q = quote(band, { price: 100_011.11 });
      const prob = p(q);
      const m = quoteMultiplierBps(q, params())!;
      expect(m).toBe(Math.min(1_000_000, Math.floor(95 / prob) * 100));
      expect((m / 10_000) * prob).toBeLessThanOrEqual(0.95);
      expect(((m + 100) / 10_000) * prob).toBeGreaterThan(0.95);
    }
  });

  it('gives known quotes for the default market', () => {
    expect(quoteMultiplierBps(quote(4000), params())).toBe(17_500); // p ≈ 0.5425 → 1.7511 → 1.75
    expect(quoteMultiplierBps(quote(3999), params())).toBe(17_500);
    expect(quoteMultiplierBps(quote(4003), params())).toBe(19_200); // p ≈ 0.4942 → 1.9225 → 1.92
    expect(quoteMultiplierBps(quote(4010), params())).toBe(40_500);
  });

  it('rounds down to 2 decimals (1.8999… → 1.89)', () => {
    // Find, by bisection on the price, a quote whose exact multiplier is just below 1.90.
    const band = 4003;
    const ratio = (price: number) => 95 / p(quote(band, { price }));
    let lo = 100_000; // ratio > 190 (price further from the band)
    let hi = 100_025; // ratio < 190
    expect(ratio(lo)).toBeGreaterThan(190);
    expect(ratio(hi)).toBeLessThan(190);
    let price = hi;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (ratio(mid) < 190) hi = mid;
      else lo = mid;
      price = hi;
      if (190 - ratio(price) < 1e-4) break;
    }
    const exact = ratio(price) / 100;
    expect(exact).toBeLessThan(1.9);
    expect(exact).toBeGreaterThan(1.899);
    expect(quoteMultiplierBps(quote(band, { price }), params())).toBe(18_900);
    // and just on the other side of 1.90 it quotes 1.90
    expect(quoteMultiplierBps(quote(band, { price: lo }), params())).toBe(19_000);
  });

  it('is capped at the maximum', () => {
    expect(quoteMultiplierBps(quote(4100), params())).toBe(1_000_000);
    expect(quoteMultiplierBps(quote(4010), params({ maxMultiplierBps: 30_000 }))).toBe(30_000);
    expect(quoteMultiplierBps(quote(4002, { now: 20_000 }), params())).toBeNull(); // p = 0: not offered
  });

  it('is null below the minimum', () => {
    const sure = quote(4000, { now: 12_000 }); // p = 1 → 0.95
    expect(p(sure)).toBe(1);
    expect(quoteMultiplierBps(sure, params())).toBeNull();
    expect(quoteMultiplierBps(sure, params({ minMultiplierBps: 9_600 }))).toBeNull();
    expect(quoteMultiplierBps(sure, params({ minMultiplierBps: 9_500 }))).toBe(9_500);
    expect(quoteMultiplierBps(sure, params({ houseEdgeBps: 0, minMultiplierBps: 10_000 }))).toBe(10_000);
    // a high minimum hides the cell at the price
    expect(quoteMultiplierBps(quote(4000), params({ minMultiplierBps: 17_600 }))).toBeNull();
    expect(quoteMultiplierBps(quote(4000), params({ minMultiplierBps: 17_500 }))).toBe(17_500);
  });

  it('depends on the house edge', () => {
    const q = quote(4003);
    const m5 = quoteMultiplierBps(q, params())!;
    const m10 = quoteMultiplierBps(q, params({ houseEdgeBps: 1_000 }))!;
    expect(m10).toBe(Math.floor(90 / p(q)) * 100);
    expect(m10).toBeLessThan(m5);
  });

  it('is deterministic for equal inputs', () => {
    const q = quote(4005, { price: 100_042.42, now: 4_321 });
    const first = quoteMultiplierBps(q, params());
    for (let i = 0; i < 5; i++) expect(quoteMultiplierBps({ ...q }, params())).toBe(first);
    expect(first).toBe(Math.floor(95 / p(q)) * 100);
  });
});
