import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, PlayerClient } from '@wagerflow/client';
import { redisKeys, type GridCell, type PlaceBetBody } from '@wagerflow/contracts';
import { createPool, type Pool } from '@wagerflow/db';
import { createPendingBets } from '@wagerflow/pending-bets';
import { createTestDatabase, freePort, testRedisUrl, uniquePrefix, waitUntil, type TestDatabase } from '@wagerflow/testing';
import { loadConfig as gatewayConfig } from './config.js';
import { createService as createGateway } from './service.js';
import { startInProcessStack, type InProcessStack } from './testing/in-process-stack.js';

/**
 * The key filter through the real gateway: which bets read Postgres is seen by breaking the one Postgres read a bet
 * can make (the ledger's key lookup, made to raise): a bet that still succeeds did not read it.
 */
describe('key filter in the gateway', () => {
  let db: TestDatabase;
  let pool: Pool;
  let redis: Redis;
  let stack: InProcessStack;
  let admin: AdminClient;
  let lookupSource: string;
  const prefix = uniquePrefix('kf');
  const keys = redisKeys(prefix);
  const ADMIN_TOKEN = 'admin-token-for-tests-0001';
  const LOOKUP = 'ledger_bets_by_client_ids(text[], text[])';

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 2 });
    redis = new Redis(testRedisUrl());
    stack = await startInProcessStack({ databaseUrl: db.url, redisUrl: testRedisUrl(), prefix, adminToken: ADMIN_TOKEN });
    admin = new AdminClient(stack.base, ADMIN_TOKEN);
    const { rows } = await pool.query<{ def: string }>(`SELECT pg_get_functiondef('${LOOKUP}'::regprocedure) AS def`);
    lookupSource = rows[0]!.def;
  });
  afterAll(async () => {
    await stack?.stop();
    await redis?.quit();
    await pool?.end();
    await db?.drop();
  });

  /** Same function (cached plans keep calling it), a body that raises: any key lookup fails. */
  const breakLookup = () =>
    pool.query(`CREATE OR REPLACE FUNCTION ${LOOKUP.replace('text[], text[]', 'players text[], client_bet_ids text[]')}
      RETURNS TABLE (key_player text, key_client text, id text, client_bet_id text, market_id text, cell_id text, stake bigint,
        multiplier_bps integer, min_multiplier_bps integer, status text, reason text, result text, payout bigint,
        placed_at bigint, confirmed_at bigint, settled_at bigint, updated_at bigint, archived boolean)
      LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'key lookup broken by the test'; END $$`);
  const mendLookup = () => pool.query(lookupSource);
  /** `during` with the lookup broken, mended after whatever happens. */
  async function withoutLookup(during: () => Promise<void>): Promise<void> {
    await breakLookup();
    try {
      await during();
    } finally {
      await mendLookup();
    }
  }

  async function playerWithCell() {
    const { body } = await admin.createPlayer('kf');
    await admin.deposit(body.playerId, 1_000, randomUUID());
    const grid = (await (await fetch(`${stack.base}/v1/markets/BTC-USD/grid`)).json()) as { cells: GridCell[] };
    const cell = grid.cells.reduce((x, y) => (y.windowStart > x.windowStart ? y : x));
    const bet = (): PlaceBetBody => ({ clientBetId: randomUUID(), marketId: 'BTC-USD', cellId: cell.cellId, stake: 10 });
    return { playerId: body.playerId, client: new PlayerClient(stack.base, body), bet };
  }

  /** A player whose first bet is confirmed and whose filter that bet built. */
  async function playerWithConfirmedBet() {
    const p = await playerWithCell();
    const first = p.bet();
    expect((await p.client.placeBet(first)).status).toBe(202);
    await waitUntil(async () => (await redis.hget(keys.keyFilter(p.playerId), 'state')) === 'ready');
    await waitUntil(async () => (await p.client.betByClientId(first.clientBetId)).body.status === 'confirmed');
    return { ...p, first };
  }

  it("builds a player's filter at their first bet; a new key then skips Postgres, a used one is still looked up there", async () => {
    const { first, ...p } = await playerWithConfirmedBet();
    // As 30 s later: the ledger's stored marker has expired, only Postgres knows the key.
    await redis.del(keys.pendingBet(p.playerId, first.clientBetId));

    await withoutLookup(async () => {
      const fresh = await p.client.placeBet(p.bet());
      expect(fresh.status).toBe(202);
      const replay = await p.client.placeBet(first);
      expect(replay.status).toBeGreaterThanOrEqual(500);
    });
    const replay = await p.client.placeBet(first);
    expect(replay.status).toBe(200);
    expect(replay.body.clientBetId).toBe(first.clientBetId);
    expect(await p.client.placeBet({ ...first, stake: 11 })).toMatchObject({ status: 422 });
  });

  it("a key the filter lost (bits gone in a Redis crash) is still answered from Postgres while the ledger's marker lives", async () => {
    const { first: lost, ...p } = await playerWithConfirmedBet();
    // As after a crash that lost the claim's bits: a filter that does not know the key, the ledger's marker still there.
    await redis.del(keys.keyFilter(p.playerId));
    const pending = createPendingBets(keys);
    await pending.buildFilter(redis, p.playerId, { readStoredKeys: () => Promise.resolve([]), buildMs: 10_000, ttlMs: 60_000 });
    expect(await redis.get(keys.pendingBet(p.playerId, lost.clientBetId))).toContain('"stored":true');

    await withoutLookup(async () => {
      expect((await p.client.placeBet(lost)).status).toBeGreaterThanOrEqual(500);
    });
    const replay = await p.client.placeBet(lost);
    expect(replay.status).toBe(200);
    expect(replay.body.status).toBe('confirmed');
  });

  it('with GATEWAY_KEY_FILTER=off every bet reads Postgres and no filter is built', async () => {
    const [port, opsPort] = await Promise.all([freePort(), freePort()]);
    const gateway = await createGateway(
      gatewayConfig({ ...stack.env, GATEWAY_PORT: String(port), GATEWAY_OPS_PORT: String(opsPort), GATEWAY_KEY_FILTER: 'off' }),
    );
    await gateway.start();
    stack.onStop(() => gateway.shutdown.shutdown('test over'));
    const { body } = await admin.createPlayer('kf-off');
    await admin.deposit(body.playerId, 1_000, randomUUID());
    const p = await playerWithCell();
    const client = new PlayerClient(`http://127.0.0.1:${port}`, body);
    expect((await client.placeBet(p.bet())).status).toBe(202);
    await withoutLookup(async () => {
      expect((await client.placeBet(p.bet())).status).toBeGreaterThanOrEqual(500);
    });
    expect(await redis.exists(keys.keyFilter(body.playerId))).toBe(0);
  });
});
