/**
 * Which cells to bet on: those of the furthest open window (the most time before their lockout), lowest multiplier
 * first (small liability per bet), refreshed from `GET /v1/markets/{id}/grid` every second as windows move on. A
 * cell closes `lockoutMs` before its window starts; a cell within a safety margin of that is never picked.
 */
import type { GridCell } from '@wagerflow/contracts';

export interface GridResponse {
  marketId: string;
  lockoutMs: number;
  windowMs: number;
  cells: GridCell[];
}

/** Pure choice: up to `count` cells of the latest window still at least `marginMs` before its lockout. */
export function chooseCells(grid: GridResponse, now: number, count: number, marginMs = 5_000): string[] {
  const open = grid.cells.filter((c) => now < c.windowStart - grid.lockoutMs - marginMs);
  if (open.length === 0) return [];
  const furthest = Math.max(...open.map((c) => c.windowStart));
  return open
    .filter((c) => c.windowStart === furthest)
    .sort((a, b) => a.multiplier - b.multiplier)
    .slice(0, count)
    .map((c) => c.cellId);
}

export interface CellPicker {
  readonly marketId: string;
  /** A cell id for bet number `i` (round robin over the current choice). */
  pick(i: number): string;
  stop(): void;
}

export async function startCellPicker(gatewayUrl: string, marketId: string, spread = 4, refreshMs = 1_000): Promise<CellPicker> {
  let cells: string[] = [];
  const refresh = async () => {
    const res = await fetch(`${gatewayUrl}/v1/markets/${encodeURIComponent(marketId)}/grid`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`grid: HTTP ${res.status}`);
    const chosen = chooseCells((await res.json()) as GridResponse, Date.now(), spread);
    if (chosen.length > 0) cells = chosen;
  };
  await refresh();
  if (cells.length === 0) throw new Error(`the grid of ${marketId} offers no open cell (is the market HEALTHY?)`);
  // A failed refresh keeps the previous choice: it stays valid for tens of seconds.
  const timer = setInterval(() => void refresh().catch(() => undefined), refreshMs);
  return {
    marketId,
    pick: (i) => cells[i % cells.length]!,
    stop: () => clearInterval(timer),
  };
}
