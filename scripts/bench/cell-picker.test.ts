import { describe, expect, it } from 'vitest';
import { chooseCells, type GridResponse } from './cell-picker.js';

const cell = (windowStart: number, band: number, multiplier: number) => ({
  cellId: `BTC-USD:${windowStart}:${band}`,
  priceLow: band * 25,
  priceHigh: band * 25 + 25,
  windowStart,
  windowEnd: windowStart + 10_000,
  multiplier,
});

describe('chooseCells', () => {
  const grid: GridResponse = {
    marketId: 'BTC-USD',
    lockoutMs: 2_000,
    windowMs: 10_000,
    cells: [cell(20_000, 1, 1.5), cell(60_000, 1, 3), cell(60_000, 2, 1.8), cell(60_000, 3, 2.2), cell(50_000, 4, 1.1)],
  };

  it('takes the furthest window, lowest multipliers first', () => {
    expect(chooseCells(grid, 0, 2)).toEqual(['BTC-USD:60000:2', 'BTC-USD:60000:3']);
  });

  it('never picks a cell near its lockout', () => {
    // 60 000 − 2 000 lockout − 5 000 margin = 53 000: the last window is too close, fall back to none later.
    expect(chooseCells(grid, 53_000, 3)).toEqual([]);
    expect(chooseCells(grid, 42_999, 1)).toEqual(['BTC-USD:60000:2']);
    expect(chooseCells({ ...grid, cells: grid.cells.filter((c) => c.windowStart !== 60_000) }, 0, 1)).toEqual(['BTC-USD:50000:4']);
  });

  it('--cells: few (4 cheapest of the furthest window), spread (every open cell of every window), hot (one cell)', () => {
    expect(chooseCells(grid, 0, 'few')).toEqual(['BTC-USD:60000:2', 'BTC-USD:60000:3', 'BTC-USD:60000:1']);
    expect(chooseCells(grid, 0, 'spread').sort()).toEqual(grid.cells.map((c) => c.cellId).sort());
    expect(chooseCells(grid, 14_000, 'spread')).not.toContain('BTC-USD:20000:1');
    expect(chooseCells(grid, 0, 'hot')).toEqual(['BTC-USD:60000:2']);
  });
});
