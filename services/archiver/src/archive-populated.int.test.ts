// Issue 12's populated archive: 100,000 bets over 200 wallets (settled, rejected and open, over 70 days), archived by
// the real archiver and bet-ledger, then every file checked against its manifest and restored into the audit tables.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkArchiveFile, openArchiveStore, type ArchiveStore } from '@wagerflow/archive-store';
import { QUEUES } from '@wagerflow/contracts';
import { createPool, type Pool } from '@wagerflow/db';
import { createQueue, createRedis, type Redis, type TypedQueue } from '@wagerflow/queue';
import { createTestDatabase, freePort, seedLedgerHistory, testRedisUrl, uniquePrefix, type TestDatabase } from '@wagerflow/testing';
import { loadConfig } from './config.js';
import { manifestsMatching } from './repositories/audit.repository.js';
import { restoreArchives } from './restore/restore.js';
import { createService } from './service.js';
import { startLedger } from './testing/ledger-stack.js';
import { requestRun, runFinished } from './testing/runs.js';

const DAY = 86_400_000;
const WALLETS = 200;
const BETS_PER_WALLET = 500;
const FINAL = `(status = 'rejected' OR result IN ('won', 'lost', 'void'))`;

interface Figures {
  bets: number;
  stake: number;
  payout: number;
  entries: number;
  amount: number;
}

let db: TestDatabase;
let pool: Pool;
let redis: Redis;
let queue: TypedQueue<'archive'>;
let dir: string;
let store: ArchiveStore;
let cutoff: number;
const stops: (() => Promise<void>)[] = [];

/** Counts and money of the final bets older than the cutoff (what the run must archive) and of their entries. */
async function archivable(): Promise<Figures> {
  const { rows } = await pool.query<Figures>(
    `WITH b AS (SELECT * FROM bets WHERE ${FINAL} AND coalesce(settled_at, updated_at) < $1),
          e AS (SELECT amount FROM wallet_entries WHERE bet_id IN (SELECT id FROM b))
     SELECT (SELECT count(*) FROM b)::int AS bets, (SELECT coalesce(sum(stake), 0) FROM b)::float8 AS stake,
            (SELECT coalesce(sum(payout), 0) FROM b)::float8 AS payout, (SELECT count(*) FROM e)::int AS entries,
            (SELECT coalesce(sum(amount), 0) FROM e)::float8 AS amount`,
    [cutoff],
  );
  return rows[0]!;
}

async function kept(): Promise<{ open: number; recent: number; balances: string }> {
  const { rows } = await pool.query<{ open: number; recent: number; balances: string }>(
    `SELECT (SELECT count(*) FROM bets WHERE result = 'open')::int AS open,
            (SELECT count(*) FROM bets WHERE coalesce(settled_at, updated_at) >= $1)::int AS recent,
            (SELECT string_agg(id || ':' || balance, ',' ORDER BY id) FROM wallets) AS balances`,
    [cutoff],
  );
  return rows[0]!;
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  redis = createRedis(testRedisUrl(), 'blocking');
  const prefix = uniquePrefix('populated');
  queue = createQueue(QUEUES.archive, redis, prefix);
  dir = await mkdtemp(join(tmpdir(), 'wf-populated-'));
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    ARCHIVE_URL: pathToFileURL(dir).href,
    ARCHIVE_RETENTION_DAYS: '30',
    ARCHIVE_PARTITION_MAX_BETS: '5000',
    ARCHIVER_OPS_PORT: String(await freePort()),
    BET_LEDGER_OPS_PORT: String(await freePort()),
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
  store = openArchiveStore(env.ARCHIVE_URL);
  const now = Date.now();
  cutoff = now - 30 * DAY;
  await seedLedgerHistory(pool, { wallets: WALLETS, betsPerWallet: BETS_PER_WALLET, now });
  await pool.query('ANALYZE');
  const ledger = await startLedger(env);
  stops.push(() => ledger.stop());
  const archiver = await createService(loadConfig(env));
  await archiver.start();
  stops.push(() => archiver.shutdown.shutdown('test'));
}, 300_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await queue?.close();
  await redis?.quit();
  await pool?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('archiving a populated ledger (100,000 bets, 200 wallets)', () => {
  it('archives exactly the old final bets: manifests add up to them, files match their manifests, open and recent bets and balances stay, drift 0, restore round trip', async () => {
    const { rows: total } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bets');
    expect(total[0]!.n).toBe(WALLETS * BETS_PER_WALLET);
    const expected = await archivable();
    const keptBefore = await kept();
    expect(expected.bets).toBeGreaterThan(40_000);
    expect(keptBefore.open).toBeGreaterThan(15_000);

    const runId = await requestRun(queue);
    const run = await runFinished(pool, runId, 240_000);
    expect(run).toMatchObject({ status: 'succeeded', error: null, bets: expected.bets });

    const manifests = await manifestsMatching(pool, runId);
    const sum = (k: 'bets' | 'stakeTotal' | 'payoutTotal' | 'walletEntries' | 'entryAmountTotal') =>
      manifests.reduce((s, m) => s + m[k], 0);
    expect({
      bets: sum('bets'),
      stake: sum('stakeTotal'),
      payout: sum('payoutTotal'),
      entries: sum('walletEntries'),
      amount: sum('entryAmountTotal'),
    }).toEqual(expected);
    for (const m of manifests) expect((await checkArchiveFile(await store.get(m.objectKey), m)).problems).toEqual([]);

    expect(await archivable()).toEqual({ bets: 0, stake: 0, payout: 0, entries: 0, amount: 0 });
    expect(await kept()).toEqual(keptBefore);
    const { rows: drift } = await pool.query('SELECT * FROM ledger_wallet_drift()');
    expect(drift[0]).toEqual({ checked: WALLETS, drift: 0 });
    const { rows: checkpoint } = await pool.query<{ n: number }>('SELECT coalesce(sum(archived_sum), 0)::float8 AS n FROM wallets');
    expect(checkpoint[0]!.n).toBe(expected.amount);

    const restored = await restoreArchives({ pool, store, selector: runId });
    expect(restored.every((r) => r.status === 'restored')).toBe(true);
    const { rows: audit } = await pool.query<Figures>(
      `SELECT (SELECT count(*) FROM audit_bets)::int AS bets, (SELECT sum(stake) FROM audit_bets)::float8 AS stake,
              (SELECT coalesce(sum(payout), 0) FROM audit_bets)::float8 AS payout,
              (SELECT count(*) FROM audit_wallet_entries)::int AS entries, (SELECT sum(amount) FROM audit_wallet_entries)::float8 AS amount`,
    );
    expect(audit[0]).toEqual(expected);
  }, 300_000);
});
