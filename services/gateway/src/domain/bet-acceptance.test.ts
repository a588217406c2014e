import { describe, it, expect } from 'vitest';
import type { PlaceBetBody } from '@wagerflow/contracts';
import type { MarketState } from '../repositories/redis-state.js';
import { acceptBet, sameBetBody, type Acceptance, type AcceptanceRules } from './bet-acceptance.js';
import { quoteMultiplierBps } from './odds.js';

const T = 1_700_000_000_000; // aligned to the 10 s window
const NOW = T + 1_234; // open windows: T + 10 000 … T + 60 000
const WS = T + 10_000;
const BAND = 4000; // [100 000, 100 025) at price 100 000

const rules = (over: Partial<AcceptanceRules> = {}): AcceptanceRules => ({
  markets: ['BTC-USD', 'ETH-USD'],
  geometry: { priceStep: 25, windowMs: 10_000, lockoutMs: 2_000, gridWindows: 6 },
  odds: { houseEdgeBps: 500, minMultiplierBps: 10_100, maxMultiplierBps: 1_000_000, volatilityBpsPerSqrtS: 5 },
  stakeMin: 10,
  stakeMax: 100_000,
  ...over,
});
const market = (over: Partial<MarketState> = {}): MarketState => ({ price: 100_000, lastTickAt: NOW - 100, status: 'HEALTHY', ...over });
const body = (over: Partial<PlaceBetBody> = {}): PlaceBetBody => ({
  clientBetId: '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
  marketId: 'BTC-USD',
  cellId: `BTC-USD:${WS}:${BAND}`,
  stake: 100,
  ...over,
});
/** The quote the gateway must lock for band BAND of window WS at NOW. */
const expectedQuote = (ws = WS, band = BAND, now = NOW, price = 100_000) =>
  quoteMultiplierBps(
    { price, now, windowStart: ws, windowEnd: ws + 10_000, priceLow: band * 25, priceHigh: (band + 1) * 25 },
    rules().odds,
  );

const codeOf = (a: Acceptance) => (a.ok ? 'ok' : a.code);
const accept = (b: Partial<PlaceBetBody> = {}, m: Partial<MarketState> = {}, balance: number | null = null, now = NOW, r = rules()) =>
  acceptBet(body(b), r, market(m), balance, now);

describe('acceptBet', () => {
  it('accepts a valid bet and locks the quoted multiplier', () => {
    const q = expectedQuote();
    expect(q).toBe(16_800);
    expect(accept({}, {}, 10_000)).toEqual({
      ok: true,
      cell: { marketId: 'BTC-USD', windowStart: WS, bandIndex: BAND },
      priceLow: 100_000,
      priceHigh: 100_025,
      multiplierBps: 16_800,
      minMultiplierBps: null,
      lockoutAt: WS - 2_000,
    });
  });

  it('carries minMultiplier as basis points', () => {
    const a = accept({ minMultiplier: 1.15 });
    expect(a.ok && a.minMultiplierBps).toBe(11_500);
  });

  it('accepts every window of the grid, quoted for that window', () => {
    for (let k = 0; k < 6; k++) {
      const ws = WS + k * 10_000;
      const a = accept({ cellId: `BTC-USD:${ws}:${BAND + 3}` });
      expect(a.ok && a.multiplierBps).toBe(expectedQuote(ws, BAND + 3));
    }
  });

  it('accepts while DEGRADED', () => {
    expect(codeOf(accept({}, { status: 'DEGRADED' }))).toBe('ok');
  });

  describe('unknown_market', () => {
    it('for a market not configured', () => {
      expect(accept({ marketId: 'DOGE-USD', cellId: `DOGE-USD:${WS}:${BAND}` })).toMatchObject({ ok: false, code: 'unknown_market' });
    });

    it('before every other check', () => {
      expect(codeOf(accept({ marketId: 'btc-usd', cellId: 'garbage', stake: 1 }, { status: 'CRITICAL', price: null }, 0))).toBe(
        'unknown_market',
      );
    });
  });

  describe('unknown_cell', () => {
    it.each([
      ['a malformed id', 'nonsense'],
      ['a non-canonical window', `BTC-USD:0${WS}:${BAND}`],
      ['a negative band', `BTC-USD:${WS}:-1`],
      ['a cell of another market', `ETH-USD:${WS}:${BAND}`],
      ['a misaligned window', `BTC-USD:${WS + 5_000}:${BAND}`],
      ['a window one ms off', `BTC-USD:${WS + 1}:${BAND}`],
      ['the window after the grid', `BTC-USD:${WS + 60_000}:${BAND}`],
      ['a far future window', `BTC-USD:${WS + 86_400_000}:${BAND}`],
    ])('for %s', (_label, cellId) => {
      expect(codeOf(accept({ cellId }))).toBe('unknown_cell');
    });

    it('before suspension and business rules', () => {
      expect(codeOf(accept({ cellId: `ETH-USD:${WS}:${BAND}`, stake: 1 }, { status: 'CRITICAL' }, 0))).toBe('unknown_cell');
      expect(codeOf(accept({ cellId: `BTC-USD:${WS + 5_000}:${BAND}` }, { price: null }))).toBe('unknown_cell');
    });
  });

  describe('market_suspended', () => {
    it('when the market is CRITICAL', () => {
      expect(accept({}, { status: 'CRITICAL' })).toMatchObject({ ok: false, code: 'market_suspended' });
    });

    it('when the market has no price', () => {
      expect(codeOf(accept({}, { price: null, status: 'HEALTHY' }))).toBe('market_suspended');
    });

    it('before cell_closed and the 422 rules', () => {
      expect(codeOf(accept({ cellId: `BTC-USD:${T}:${BAND}`, stake: 1 }, { status: 'CRITICAL' }, 0))).toBe('market_suspended');
    });
  });

  describe('cell_closed', () => {
    it('for the current window and a past one', () => {
      expect(codeOf(accept({ cellId: `BTC-USD:${T}:${BAND}` }))).toBe('cell_closed');
      expect(codeOf(accept({ cellId: `BTC-USD:${T - 10_000}:${BAND}` }))).toBe('cell_closed');
    });

    it('from exactly windowStart − lockoutMs', () => {
      expect(codeOf(accept({}, {}, null, WS - 2_001))).toBe('ok');
      expect(codeOf(accept({}, {}, null, WS - 2_000))).toBe('cell_closed');
      expect(codeOf(accept({}, {}, null, WS - 1))).toBe('cell_closed');
    });

    it('before cell_unavailable, stake and funds', () => {
      const r = rules({ odds: { ...rules().odds, minMultiplierBps: 1_000_000 } });
      expect(codeOf(accept({ stake: 1, minMultiplier: 99 }, {}, 0, WS - 2_000, r))).toBe('cell_closed');
    });
  });

  describe('cell_unavailable', () => {
    it('when the quote would fall below the minimum multiplier', () => {
      // band 4000 quotes 1.68: a market minimum of 1.69 hides it
      const r = rules({ odds: { ...rules().odds, minMultiplierBps: 16_900 } });
      expect(accept({}, {}, null, NOW, r)).toMatchObject({ ok: false, code: 'cell_unavailable' });
      const r2 = rules({ odds: { ...rules().odds, minMultiplierBps: 16_800 } });
      expect(codeOf(accept({}, {}, null, NOW, r2))).toBe('ok');
    });

    it('for the price band of a near window under a very low volatility (p ≈ 1 → 0.95)', () => {
      const r = rules({ odds: { ...rules().odds, volatilityBpsPerSqrtS: 0.0001 } });
      expect(codeOf(accept({}, { price: 100_012.5 }, null, NOW, r))).toBe('cell_unavailable');
    });

    it('before stake_out_of_range, quote_moved and funds', () => {
      const r = rules({ odds: { ...rules().odds, minMultiplierBps: 16_900 } });
      expect(codeOf(accept({ stake: 1, minMultiplier: 99 }, {}, 0, NOW, r))).toBe('cell_unavailable');
    });
  });

  describe('stake_out_of_range', () => {
    it.each([
      [9, 'stake_out_of_range'],
      [10, 'ok'],
      [100_000, 'ok'],
      [100_001, 'stake_out_of_range'],
      [1, 'stake_out_of_range'],
      [Number.MAX_SAFE_INTEGER, 'stake_out_of_range'],
    ])('stake %d → %s', (stake, code) => {
      expect(codeOf(accept({ stake }, {}, Number.MAX_SAFE_INTEGER))).toBe(code);
    });

    it('before quote_moved and funds', () => {
      expect(codeOf(accept({ stake: 5, minMultiplier: 99 }, {}, 0))).toBe('stake_out_of_range');
    });
  });

  describe('quote_moved', () => {
    it('when the quote is below minMultiplier, compared in basis points', () => {
      expect(codeOf(accept({ minMultiplier: 1.69 }))).toBe('quote_moved');
      expect(codeOf(accept({ minMultiplier: 1.68 }))).toBe('ok');
      expect(codeOf(accept({ minMultiplier: 1.01 }))).toBe('ok');
    });

    it('before insufficient_funds', () => {
      expect(codeOf(accept({ minMultiplier: 50 }, {}, 0))).toBe('quote_moved');
    });
  });

  describe('insufficient_funds (early, from the cache)', () => {
    it('when the cached balance is below the stake', () => {
      expect(accept({ stake: 100 }, {}, 99)).toMatchObject({ ok: false, code: 'insufficient_funds' });
      expect(codeOf(accept({ stake: 100 }, {}, 0))).toBe('insufficient_funds');
    });

    it('accepts a balance equal to the stake', () => {
      expect(codeOf(accept({ stake: 100 }, {}, 100))).toBe('ok');
    });

    it('lets the ledger decide on a cache miss', () => {
      expect(codeOf(accept({ stake: 100_000 }, {}, null))).toBe('ok');
    });
  });
});

describe('sameBetBody', () => {
  type Stored = Parameters<typeof sameBetBody>[1];
  const stored: Stored = { marketId: 'BTC-USD', cellId: `BTC-USD:${WS}:${BAND}`, stake: 100, minMultiplierBps: null };

  it('is true for the same body', () => {
    expect(sameBetBody(body(), stored)).toBe(true);
    expect(sameBetBody(body({ minMultiplier: 1.15 }), { ...stored, minMultiplierBps: 11_500 })).toBe(true);
  });

  it('compares minMultiplier in basis points (1.1 and 1.10 are the same number)', () => {
    expect(sameBetBody(body({ minMultiplier: 1.1 }), { ...stored, minMultiplierBps: 11_000 })).toBe(true);
    expect(sameBetBody(body({ minMultiplier: 0.29 }), { ...stored, minMultiplierBps: 2_900 })).toBe(true);
  });

  it('ignores the clientBetId (it is the key, not the body)', () => {
    expect(sameBetBody(body({ clientBetId: '00000000-0000-4000-8000-000000000000' }), stored)).toBe(true);
  });

  it.each<[string, Partial<PlaceBetBody>, Partial<Stored>]>([
    ['market', { marketId: 'ETH-USD' }, {}],
    ['cell', { cellId: `BTC-USD:${WS}:${BAND + 1}` }, {}],
    ['stake', { stake: 101 }, {}],
    ['minMultiplier added', { minMultiplier: 1.5 }, {}],
    ['minMultiplier removed', {}, { minMultiplierBps: 15_000 }],
    ['minMultiplier changed', { minMultiplier: 1.51 }, { minMultiplierBps: 15_000 }],
  ])('is false for a different %s', (_label, b, s) => {
    expect(sameBetBody(body(b), { ...stored, ...s })).toBe(false);
  });
});
