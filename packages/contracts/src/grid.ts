/**
 * Grid geometry (SPEC 3): aligned windows and bands, and the cell id format
 * `{marketId}:{windowStart}:{bandIndex}`. Pure functions shared by every service.
 */
export interface GridGeometry {
  priceStep: number;
  windowMs: number;
  lockoutMs: number;
  gridWindows: number;
}

export interface CellRef {
  marketId: string;
  windowStart: number;
  bandIndex: number;
}

const CANONICAL_UINT = /^(0|[1-9][0-9]{0,15})$/;

export function formatCellId(c: CellRef): string {
  return `${c.marketId}:${c.windowStart}:${c.bandIndex}`;
}

/** Parse a canonical cell id; anything else (leading zeros, signs, extra parts) is not a cell. */
export function parseCellId(cellId: string): CellRef | null {
  const parts = cellId.split(':');
  if (parts.length !== 3) return null;
  const [marketId, ws, band] = parts as [string, string, string];
  if (!marketId || !CANONICAL_UINT.test(ws) || !CANONICAL_UINT.test(band)) return null;
  const windowStart = Number(ws);
  const bandIndex = Number(band);
  if (!Number.isSafeInteger(windowStart) || !Number.isSafeInteger(bandIndex)) return null;
  return { marketId, windowStart, bandIndex };
}

export function bandBounds(g: Pick<GridGeometry, 'priceStep'>, bandIndex: number): { priceLow: number; priceHigh: number } {
  return { priceLow: bandIndex * g.priceStep, priceHigh: (bandIndex + 1) * g.priceStep };
}

/** First window still open for bets at `now`: the earliest aligned start with now < start − lockout. */
export function firstOpenWindowStart(g: GridGeometry, now: number): number {
  return (Math.floor((now + g.lockoutMs) / g.windowMs) + 1) * g.windowMs;
}

export function openWindowStarts(g: GridGeometry, now: number): number[] {
  const first = firstOpenWindowStart(g, now);
  return Array.from({ length: g.gridWindows }, (_, k) => first + k * g.windowMs);
}

export type CellState = 'open' | 'closed' | 'unknown';

/**
 * `open`: one of the next `gridWindows` windows, before its lockout. `closed`: an aligned window
 * whose lockout has passed (it was, or could have been, a valid cell). `unknown`: anything else.
 */
export function cellState(g: GridGeometry, cell: CellRef, now: number): CellState {
  if (cell.windowStart % g.windowMs !== 0) return 'unknown';
  const first = firstOpenWindowStart(g, now);
  if (cell.windowStart < first) return 'closed';
  if (cell.windowStart >= first + g.gridWindows * g.windowMs) return 'unknown';
  return 'open';
}
