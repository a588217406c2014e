/**
 * Players for the e2e modes, made the way an operator makes them (SPEC 4.1 through the gateway): create, then one
 * deposit large enough that no bet of the run is refused for funds, a few at a time.
 */
import { randomUUID } from 'node:crypto';
import { AdminClient, type PlayerCredentials } from '@wagerflow/client';
import { waitUntil } from '@wagerflow/local-servers';

export interface BenchPlayer {
  playerId: string;
  creds: PlayerCredentials;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function createPlayers(gatewayUrl: string, adminToken: string, count: number, deposit: number): Promise<BenchPlayer[]> {
  const admin = new AdminClient(gatewayUrl, adminToken);
  return mapLimit([...Array(count).keys()], 16, async (i) => {
    const created = await admin.createPlayer(`bench-${i}`);
    if (created.status !== 201) throw new Error(`create player: HTTP ${created.status} ${JSON.stringify(created.body)}`);
    const { playerId, apiKey, apiSecret } = created.body;
    const dep = await admin.deposit(playerId, deposit, `bench-${randomUUID()}`);
    if (dep.status !== 201) throw new Error(`deposit: HTTP ${dep.status} ${JSON.stringify(dep.body)}`);
    return { playerId, creds: { apiKey, apiSecret } };
  });
}

/** The simulated feed needs a few ticks before the market takes bets (no tick yet = CRITICAL). */
export async function waitForHealthyMarket(gatewayUrl: string, marketId: string): Promise<void> {
  await waitUntil(
    async () => {
      const res = await fetch(`${gatewayUrl}/v1/markets`);
      const markets = (await res.json()) as { marketId: string; feedStatus: string }[];
      return markets.some((m) => m.marketId === marketId && m.feedStatus === 'HEALTHY');
    },
    { timeoutMs: 60_000, intervalMs: 200, description: `market ${marketId} to be HEALTHY` },
  );
}

export { mapLimit };
