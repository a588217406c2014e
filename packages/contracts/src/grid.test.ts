import { describe, it, expect } from 'vitest';
import {
  bandBounds,
  cellState,
  firstOpenWindowStart,
  formatCellId,
  openWindowStarts,
  parseCellId,
  type CellRef,
  type GridGeometry,
} from './grid.js';

/** SPEC 3 defaults: priceStep 25, windowMs 10 000, lockoutMs 2 000, gridWindows 6. */
const geometry = (over: Partial<GridGeometry> = {}): GridGeometry => ({
  priceStep: 25,
  windowMs: 10_000,
  lockoutMs: 2_000,
  gridWindows: 6,
  ...over,
});
const cell = (windowStart: number, bandIndex = 4000, marketId = 'BTC-USD'): CellRef => ({ marketId, windowStart, bandIndex });

// An aligned instant well away from the epoch.
const T = 1_700_000_000_000;

describe('parseCellId', () => {
  it('parses a canonical id', () => {
    expect(parseCellId('BTC-USD:1700000010000:4000')).toEqual({ marketId: 'BTC-USD', windowStart: 1_700_000_010_000, bandIndex: 4000 });
    expect(parseCellId('ETH-USD:0:0')).toEqual({ marketId: 'ETH-USD', windowStart: 0, bandIndex: 0 });
  });

  it('accepts the largest safe integers', () => {
    expect(parseCellId('M:9007199254740991:9007199254740991')).toEqual({
      marketId: 'M',
      windowStart: Number.MAX_SAFE_INTEGER,
      bandIndex: Number.MAX_SAFE_INTEGER,
    });
  });

  it.each([
    ['leading zero in windowStart', 'BTC-USD:01700000010000:4000'],
    ['leading zero in band', 'BTC-USD:1700000010000:04000'],
    ['double zero', 'BTC-USD:00:1'],
    ['plus sign', 'BTC-USD:+1700000010000:4000'],
    ['minus sign on band', 'BTC-USD:1700000010000:-1'],
    ['minus sign on window', 'BTC-USD:-10000:1'],
    ['decimal band', 'BTC-USD:1700000010000:4000.0'],
    ['decimal window', 'BTC-USD:1700000010000.5:4000'],
    ['exponent', 'BTC-USD:1.7e12:4000'],
    ['hex', 'BTC-USD:0x10:4000'],
    ['empty band', 'BTC-USD:1700000010000:'],
    ['empty window', 'BTC-USD::4000'],
    ['empty market', ':1700000010000:4000'],
    ['extra part', 'BTC-USD:1700000010000:4000:1'],
    ['missing part', 'BTC-USD:1700000010000'],
    ['empty string', ''],
    ['whitespace', 'BTC-USD: 1700000010000:4000'],
    ['trailing whitespace', 'BTC-USD:1700000010000:4000 '],
    ['trailing newline', 'BTC-USD:1700000010000:4000\n'],
    ['unsafe integer 2^53', 'BTC-USD:9007199254740992:1'],
    ['unsafe integer 2^53 + 1', 'BTC-USD:1:9007199254740993'],
    ['17 digits', 'BTC-USD:10000000000000000:1'],
    ['non-ASCII digits', 'BTC-USD:١٢:1'],
    ['letters', 'BTC-USD:abc:1'],
    ['Infinity', 'BTC-USD:Infinity:1'],
  ])('rejects %s', (_label, id) => {
    expect(parseCellId(id)).toBeNull();
  });

  it('round-trips with formatCellId', () => {
    const refs: CellRef[] = [cell(T + 10_000), cell(0, 0), cell(20_000, 1, 'ETH_USD'), cell(Number.MAX_SAFE_INTEGER, 12)];
    for (const ref of refs) {
      const id = formatCellId(ref);
      expect(parseCellId(id)).toEqual(ref);
      expect(formatCellId(parseCellId(id)!)).toBe(id);
    }
  });
});

describe('formatCellId', () => {
  it('is `{marketId}:{windowStart}:{bandIndex}`', () => {
    expect(formatCellId(cell(1_700_000_010_000, 4001))).toBe('BTC-USD:1700000010000:4001');
  });
});

describe('bandBounds', () => {
  it('band i is [i × step, (i + 1) × step)', () => {
    expect(bandBounds({ priceStep: 25 }, 4000)).toEqual({ priceLow: 100_000, priceHigh: 100_025 });
    expect(bandBounds({ priceStep: 25 }, 0)).toEqual({ priceLow: 0, priceHigh: 25 });
    expect(bandBounds({ priceStep: 1 }, 7)).toEqual({ priceLow: 7, priceHigh: 8 });
  });
});

describe('firstOpenWindowStart', () => {
  const g = geometry();

  it('is aligned to windowMs and the earliest start with now < start − lockout', () => {
    for (let now = T - 25_000; now <= T + 25_000; now += 137) {
      const first = firstOpenWindowStart(g, now);
      expect(first % g.windowMs).toBe(0);
      expect(now).toBeLessThan(first - g.lockoutMs);
      expect(now).toBeGreaterThanOrEqual(first - g.windowMs - g.lockoutMs); // the one before is closed
    }
  });

  it('closes a window exactly at windowStart − lockoutMs', () => {
    const ws = T + 10_000;
    expect(firstOpenWindowStart(g, ws - 2_001)).toBe(ws);
    expect(firstOpenWindowStart(g, ws - 2_000)).toBe(ws + 10_000);
    expect(firstOpenWindowStart(g, ws - 1_999)).toBe(ws + 10_000);
  });

  it('at an aligned instant the current window has started, so the next is first', () => {
    expect(firstOpenWindowStart(g, T)).toBe(T + 10_000);
    expect(firstOpenWindowStart(g, T + 7_999)).toBe(T + 10_000);
    expect(firstOpenWindowStart(g, T + 8_000)).toBe(T + 20_000);
  });

  it('with no lockout, a window is open until its start', () => {
    const g0 = geometry({ lockoutMs: 0 });
    expect(firstOpenWindowStart(g0, T - 1)).toBe(T);
    expect(firstOpenWindowStart(g0, T)).toBe(T + 10_000);
  });

  it('with a lockout longer than a window, skips whole windows', () => {
    const gl = geometry({ lockoutMs: 25_000 });
    expect(firstOpenWindowStart(gl, T)).toBe(T + 30_000);
    expect(firstOpenWindowStart(gl, T + 4_999)).toBe(T + 30_000);
    expect(firstOpenWindowStart(gl, T + 5_000)).toBe(T + 40_000);
  });
});

describe('openWindowStarts', () => {
  it('lists gridWindows consecutive aligned starts from the first open one', () => {
    expect(openWindowStarts(geometry(), T + 1)).toEqual([10_000, 20_000, 30_000, 40_000, 50_000, 60_000].map((d) => T + d));
    expect(openWindowStarts(geometry({ gridWindows: 2 }), T + 8_000)).toEqual([T + 20_000, T + 30_000]);
    expect(openWindowStarts(geometry({ gridWindows: 1, windowMs: 5_000, lockoutMs: 1_000 }), T + 3_999)).toEqual([T + 5_000]);
  });
});

describe('cellState', () => {
  const g = geometry();
  const now = T + 1_234; // first open window: T + 10 000; last: T + 60 000

  it('is open for every window of the grid, whatever the band', () => {
    for (const ws of openWindowStarts(g, now)) {
      expect(cellState(g, cell(ws), now)).toBe('open');
      expect(cellState(g, cell(ws, 0), now)).toBe('open');
      expect(cellState(g, cell(ws, 999_999_999), now)).toBe('open');
    }
  });

  it('is unknown for the window after the last one of the grid', () => {
    expect(cellState(g, cell(T + 60_000), now)).toBe('open');
    expect(cellState(g, cell(T + 70_000), now)).toBe('unknown');
    expect(cellState(g, cell(T + 10_000_000), now)).toBe('unknown');
  });

  it('is unknown for a misaligned window start', () => {
    expect(cellState(g, cell(T + 10_001), now)).toBe('unknown');
    expect(cellState(g, cell(T + 15_000), now)).toBe('unknown');
    expect(cellState(g, cell(T - 1), now)).toBe('unknown');
  });

  it('is closed for the current window and past windows', () => {
    expect(cellState(g, cell(T), now)).toBe('closed');
    expect(cellState(g, cell(T - 10_000), now)).toBe('closed');
    expect(cellState(g, cell(0), now)).toBe('closed');
  });

  it('closes exactly at windowStart − lockoutMs', () => {
    const ws = T + 10_000;
    expect(cellState(g, cell(ws), ws - 2_001)).toBe('open');
    expect(cellState(g, cell(ws), ws - 2_000)).toBe('closed');
    expect(cellState(g, cell(ws), ws - 1)).toBe('closed');
    expect(cellState(g, cell(ws), ws + 5_000)).toBe('closed');
  });

  it('opens a window once it becomes one of the next gridWindows', () => {
    const ws = T + 70_000; // 7th window at `now`
    expect(cellState(g, cell(ws), T + 7_999)).toBe('unknown');
    expect(cellState(g, cell(ws), T + 8_000)).toBe('open'); // T + 10 000 closed, the grid moved on
  });
});
