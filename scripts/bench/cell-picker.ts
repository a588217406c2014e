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

/**
 * Which cells the load bets on (`--cells`): `few` (default, the figures of earlier sessions): the 4 cheapest cells of
 * the furthest open window; `spread`: every open cell of every window still far from its lockout (many cell locks a
 * batch); `hot`: one cell (every bet of a batch waits on the same liability lock: its worst case).
 */
export const CELL_MODES = ['few', 'spread', 'hot'] as const;
export type CellMode = (typeof CELL_MODES)[number];
const FEW_CELLS = 4;

/** Pure choice: the cells `mode` bets on, of the windows still at least `marginMs` before their lockout. */
export function chooseCells(grid: GridResponse, now: number, mode: CellMode | number, marginMs = 5_000): string[] {
  const open = grid.cells.filter((c) => now < c.windowStart - grid.lockoutMs - marginMs);
  if (open.length === 0) return [];
  if (mode === 'spread') return open.map((c) => c.cellId);
  const count = mode === 'hot' ? 1 : mode === 'few' ? FEW_CELLS : mode;
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

export async function startCellPicker(
  gatewayUrl: string,
  marketId: string,
  mode: CellMode = 'few',
  refreshMs = 1_000,
): Promise<CellPicker> {
  let cells: string[] = [];
  const refresh = async () => {
    const res = await fetch(`${gatewayUrl}/v1/markets/${encodeURIComponent(marketId)}/grid`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`grid: HTTP ${res.status}`);
    const chosen = chooseCells((await res.json()) as GridResponse, Date.now(), mode);
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
