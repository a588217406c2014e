import { randomUUID } from 'node:crypto';
import { AdminClient, PlayerClient, PlayerStream, type PlayerCredentials } from '@wagerflow/client';
import type { BetView, GridCell } from '@wagerflow/contracts';

export interface TestPlayer {
  playerId: string;
  creds: PlayerCredentials;
  client: PlayerClient;
}

export async function createPlayer(admin: AdminClient, baseUrl: string, deposit = 0): Promise<TestPlayer> {
  const created = await admin.createPlayer(`p-${randomUUID().slice(0, 8)}`);
  if (created.status !== 201) throw new Error(`create player: ${created.status} ${JSON.stringify(created.body)}`);
  const { playerId, apiKey, apiSecret } = created.body;
  if (deposit > 0) {
    const dep = await admin.deposit(playerId, deposit, `dep-${randomUUID()}`);
    if (dep.status !== 201) throw new Error(`deposit: ${dep.status} ${JSON.stringify(dep.body)}`);
  }
  return { playerId, creds: { apiKey, apiSecret }, client: new PlayerClient(baseUrl, { apiKey, apiSecret }) };
}

export function openStream(baseUrl: string, p: TestPlayer): Promise<PlayerStream> {
  return PlayerStream.open(baseUrl, p.creds);
}

/** A cell of the furthest open window: the most time before its lockout. */
export async function farCell(baseUrl: string, marketId = 'BTC-USD'): Promise<GridCell> {
  const res = await fetch(`${baseUrl}/v1/markets/${marketId}/grid`);
  const grid = (await res.json()) as { cells: GridCell[] };
  const last = Math.max(...grid.cells.map((c) => c.windowStart));
  const cells = grid.cells.filter((c) => c.windowStart === last).sort((a, b) => a.multiplier - b.multiplier);
  const cell = cells[0];
  if (!cell) throw new Error('the grid offers no cell (is the market HEALTHY?)');
  return cell;
}

/**
 * The nearest window whose cells stay open for `marginMs` more. The nearest one in the grid may be a few
 * milliseconds from its lockout, and a bet on it then fails 422 `cell_closed` by chance.
 */
export async function nearWindow(baseUrl: string, marginMs = 1_500, marketId = 'BTC-USD'): Promise<number> {
  const res = await fetch(`${baseUrl}/v1/markets/${marketId}/grid`);
  const grid = (await res.json()) as { cells: GridCell[]; lockoutMs: number };
  const starts = [...new Set(grid.cells.map((c) => c.windowStart))].sort((a, b) => a - b);
  const start = starts.find((ws) => ws - grid.lockoutMs - Date.now() > marginMs);
  if (start === undefined) throw new Error(`no window stays open ${marginMs} ms more (is the market HEALTHY?)`);
  return start;
}

export const betBody = (cell: GridCell, stake: number, clientBetId: string = randomUUID()) => ({
  clientBetId,
  marketId: cell.cellId.split(':')[0]!,
  cellId: cell.cellId,
  stake,
});

/** The bet's view once the ledger has decided it (no longer `pending`). */
export function decided(p: TestPlayer, clientBetId: string, timeoutMs = 20_000): Promise<BetView> {
  return eventually(
    async () => {
      const v = await p.client.betByClientId(clientBetId);
      return v.status === 200 && v.body.status !== 'pending' ? v.body : undefined;
    },
    timeoutMs,
    `bet ${clientBetId} to be decided`,
  );
}

/** Poll until `check` returns a value (not undefined), or fail after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Wait until the feed of `marketId` (of every market when none is named) is HEALTHY (SPEC 4.3's `feedStatus`): bets
 * are accepted only then.
 */
export function marketsHealthy(baseUrl: string, o: { marketId?: string; timeoutMs?: number; what?: string } = {}): Promise<true> {
  return eventually(
    async () => {
      const markets = (await (await fetch(`${baseUrl}/v1/markets`)).json()) as { marketId: string; feedStatus: string }[];
      const watched = o.marketId === undefined ? markets : markets.filter((m) => m.marketId === o.marketId);
      return watched.length > 0 && watched.every((m) => m.feedStatus === 'HEALTHY') ? true : undefined;
    },
    o.timeoutMs ?? 20_000,
    o.what ?? `${o.marketId ?? 'every market'} to be HEALTHY`,
  );
}
