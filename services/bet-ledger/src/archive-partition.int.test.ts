import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dayBounds, decodeArchive, encodeArchive, openArchiveStore, sha256, utcDay, type ArchiveStore } from '@wagerflow/archive-store';
import { failingStore } from '@wagerflow/archive-store/testing';
import { JOB_OPTIONS, QUEUES, type ArchivePartitionJob } from '@wagerflow/contracts';
import { createPool, withTransaction, type Pool } from '@wagerflow/db';
import { createQueue, createRedis } from '@wagerflow/queue';
import { createLogger } from '@wagerflow/runtime';
import { betIntent, createTestDatabase, seedLedgerHistory, testRedisUrl, uniquePrefix, type TestDatabase } from '@wagerflow/testing';
import { archivePartitionHandler, type ArchiveStep } from './jobs/archive-partition.handler.js';
import { archivableDays, commitPartition, selectPartition, StaleSelectionError } from './repositories/archive.repository.js';
import { lockBatch, toBatchRow, writeBatch } from './repositories/bets.repository.js';
import { decideFirstFit } from './domain/first-fit.js';
import { spawnLedgerProcess } from './testing/ledger-process.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 4, 12);
const CUTOFF = NOW - 30 * DAY;
const logger = createLogger('test', 'silent');
let db: TestDatabase;
let pool: Pool;
let dir: string;
let store: ArchiveStore;

async function snapshot() {
  const { rows: balances } = await pool.query<{ player_id: string; balance: number }>('SELECT player_id, balance FROM wallets ORDER BY id');
  const { rows: drift } = await pool.query<{ checked: number; drift: number }>('SELECT * FROM ledger_wallet_drift()');
  const { rows: left } = await pool.query<{ open: number; final_old: number; final_new: number }>(
    `SELECT count(*) FILTER (WHERE result = 'open')::int AS open,
            count(*) FILTER (WHERE result IS DISTINCT FROM 'open' AND coalesce(settled_at, updated_at) < $1)::int AS final_old,
            count(*) FILTER (WHERE result IS DISTINCT FROM 'open' AND coalesce(settled_at, updated_at) >= $1)::int AS final_new
       FROM bets`,
    [CUTOFF],
  );
  return { balances, drift: drift[0]!, left: left[0]! };
}

/** Runs every partition of the plan to the end as the archiver does: each day chunk by chunk while a chunk is full. */
async function archiveAll(run: ReturnType<typeof archivePartitionHandler>, runId: string, maxBets: number) {
  const results = [];
  for (const { day } of await archivableDays(pool, CUTOFF)) {
    for (let chunk = 0; ; chunk++) {
      const job: ArchivePartitionJob = { runId, day, chunk, cutoff: CUTOFF, maxBets };
      const r = await run(job);
      results.push(r);
      if (!r.more) break;
    }
  }
  return results;
}

/** The first archivable day's partition that has bets with wallet entries (a day may hold only rejected bets). */
async function selectionWithEntries() {
  for (const { day } of await archivableDays(pool, CUTOFF)) {
    const { start, end } = dayBounds(day);
    const selection = await selectPartition(pool, start, Math.min(end, CUTOFF), 1000);
    if (selection.entries.length > 1 && selection.bets.length > 1) return selection;
  }
  throw new Error('no archivable day with wallet entries');
}

/**
 * That selection encoded as a run's partition, and its commit (one transaction each call), as the executor does it,
 * `statementBets` bets a statement (default: the whole partition in each).
 */
async function committable(runId: string, statementBets?: number) {
  const selection = await selectionWithEntries();
  const { manifest } = encodeArchive({ runId, partitionKey: 'p', ...selection });
  const commit = () => withTransaction(pool, (c) => commitPartition(c, manifest, selection.bets, selection.entries, NOW, statementBets));
  return { selection, manifest, commit };
}

beforeEach(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  dir = await mkdtemp(join(tmpdir(), 'wf-archive-'));
  store = openArchiveStore(pathToFileURL(dir).href);
  await seedLedgerHistory(pool, { wallets: 12, betsPerWallet: 30, now: NOW });
});

afterEach(async () => {
  await pool.end();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('archive partition executor', () => {
  it.each([{ statementBets: undefined }, { statementBets: 3 }])(
    'archives every final bet older than the cutoff with its entries: files verified, money moved to the checkpoint, drift 0 (statement size $statementBets)',
    async ({ statementBets }) => {
      const before = await snapshot();
      expect(before.left.final_old).toBeGreaterThan(100);
      const { rows: expected } = await pool.query<{ bets: number; entries: number; entry_sum: number }>(
        `SELECT count(DISTINCT b.id)::int AS bets, count(e.id)::int AS entries, coalesce(sum(e.amount), 0)::bigint AS entry_sum
         FROM bets b LEFT JOIN wallet_entries e ON e.bet_id = b.id
        WHERE b.result IS DISTINCT FROM 'open' AND coalesce(b.settled_at, b.updated_at) < $1`,
        [CUTOFF],
      );
      const run = archivePartitionHandler({ pool, store, logger, now: () => NOW, statementBets });
      const results = await archiveAll(run, 'run1', 7);
      const archived = results.filter((r) => r.status === 'archived');
      expect(archived.reduce((s, r) => s + r.bets, 0)).toBe(expected[0]!.bets);
      expect(archived.reduce((s, r) => s + r.walletEntries, 0)).toBe(expected[0]!.entries);
      expect(archived.every((r) => r.bets <= 7)).toBe(true);

      const after = await snapshot();
      expect(after.balances).toEqual(before.balances);
      expect(after.drift).toEqual({ checked: 12, drift: 0 });
      expect(after.left).toEqual({ open: before.left.open, final_old: 0, final_new: before.left.final_new });
      const { rows: archivedSum } = await pool.query<{ s: number }>(
        'SELECT sum(archived_sum)::bigint AS s FROM wallet_archive_checkpoints',
      );
      expect(archivedSum[0]!.s).toBe(Number(expected[0]!.entry_sum));

      // Each manifest matches its stored file byte for byte, and the files hold exactly the archived rows.
      const { rows: manifests } = await pool.query<{
        object_key: string;
        sha256: string;
        bytes: number;
        bets: number;
        wallet_entries: number;
        partition_key: string;
      }>('SELECT * FROM archive_manifests ORDER BY partition_key');
      expect(manifests).toHaveLength(archived.length);
      const betIds = new Set<string>();
      for (const m of manifests) {
        const body = await store.get(m.object_key);
        expect(sha256(body)).toBe(m.sha256);
        expect(body.length).toBe(m.bytes);
        const file = decodeArchive(body);
        expect(file.bets).toHaveLength(m.bets);
        expect(file.entries).toHaveLength(m.wallet_entries);
        for (const b of file.bets) {
          betIds.add(b.id);
          expect(utcDay(Number(b.settled_at ?? b.updated_at))).toBe(m.partition_key.slice(0, 10));
          expect(b.result === 'open').toBe(false);
        }
      }
      expect(betIds.size).toBe(expected[0]!.bets);
      const { rows: tomb } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_archived_bet_view');
      expect(tomb[0]!.n).toBe(expected[0]!.bets);

      // A rerun of the same run finds every manifest; a new run finds nothing left.
      const again = await archiveAll(run, 'run1', 7);
      expect(again.every((r) => r.status === 'already' || r.status === 'empty')).toBe(true);
      expect(await archiveAll(run, 'run2', 7)).toEqual([]);
      expect((await snapshot()).drift.drift).toBe(0);
    },
  );

  it('reads a partition the same whether in one statement or a few bets a statement', async () => {
    // The busiest day's first bets at one final time: the pages must go through a tie (ordered by id within it).
    const busiest = (await archivableDays(pool, CUTOFF)).reduce((a, b) => (b.bets > a.bets ? b : a));
    expect(busiest.bets).toBeGreaterThanOrEqual(4);
    const { start, end } = dayBounds(busiest.day);
    await pool.query(
      `UPDATE bets SET settled_at = $1 WHERE id IN (SELECT id FROM bets WHERE result IS DISTINCT FROM 'open'
         AND coalesce(settled_at, updated_at) >= $1 AND coalesce(settled_at, updated_at) < $2
         ORDER BY coalesce(settled_at, updated_at), id LIMIT 6)`,
      [start, end],
    );
    for (const { day } of await archivableDays(pool, CUTOFF)) {
      const { start, end } = dayBounds(day);
      const whole = await selectPartition(pool, start, Math.min(end, CUTOFF), 25);
      for (const statementBets of [1, 4, 25, 100]) {
        expect(await selectPartition(pool, start, Math.min(end, CUTOFF), 25, statementBets)).toEqual(whole);
      }
      expect(whole.entries.map((e) => Number(e.id))).toEqual(whole.entries.map((e) => Number(e.id)).sort((a, b) => a - b));
    }
  });

  it.each<ArchiveStep>(['selected', 'put', 'verified', 'committed'])(
    'a crash after step %s: the rerun completes, nothing lost or archived twice',
    async (crashAt) => {
      const before = await snapshot();
      let crashed = 0;
      const crashing = archivePartitionHandler({
        pool,
        store,
        logger,
        now: () => NOW,
        afterStep: (step) => {
          if (step === crashAt && crashed++ % 3 === 0) throw new Error(`crash after ${step}`);
        },
      });
      const healthy = archivePartitionHandler({ pool, store, logger, now: () => NOW });
      // Every partition sent until it answers, as BullMQ redelivers a failed or stalled job; a third crash.
      for (const { day } of await archivableDays(pool, CUTOFF)) {
        for (let chunk = 0; ; chunk++) {
          const job = { runId: 'r', day, chunk, cutoff: CUTOFF, maxBets: 10 };
          const r = await crashing(job).catch(() => healthy(job));
          if (!r.more) break;
        }
      }
      expect(crashed).toBeGreaterThan(0);
      const after = await snapshot();
      expect(after.balances).toEqual(before.balances);
      expect(after.drift.drift).toBe(0);
      expect(after.left.final_old).toBe(0);
      const { rows } = await pool.query<{ bets: number; files: number }>(
        'SELECT sum(bets)::int AS bets, count(*)::int AS files FROM archive_manifests',
      );
      const { rows: tomb } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM archived_bets');
      expect(rows[0]!.bets).toBe(tomb[0]!.n);
      // One file per manifest: an overwritten partition leaves one object, never a stray second copy.
      expect((await store.list('runs/')).length).toBe(rows[0]!.files);
    },
  );

  it('the store failing mid-upload, or answering a put it stored with an error: nothing deleted, the rerun archives', async () => {
    const before = await snapshot();
    const [day] = await archivableDays(pool, CUTOFF);
    const job = { runId: 'r', day: day!.day, chunk: 0, cutoff: CUTOFF, maxBets: 1000 };
    for (const outcome of ['nothing-stored', 'stored-then-failed'] as const) {
      const flaky = failingStore(store, { op: 'put', outcome });
      await expect(archivePartitionHandler({ pool, store: flaky, logger })(job)).rejects.toThrow(/injected/);
      expect(await snapshot()).toEqual(before);
      const { rows } = await pool.query('SELECT 1 FROM archive_manifests');
      expect(rows).toHaveLength(0);
    }
    const r = await archivePartitionHandler({ pool, store, logger })(job);
    expect(r.status).toBe('archived');
    expect(r.bets).toBe(day!.bets);
    expect((await snapshot()).drift.drift).toBe(0);
  });

  it.each([{ statementBets: undefined }, { statementBets: 1 }])(
    'a partition that changed after it was selected is refused whole at commit: nothing deleted, no manifest (statement size $statementBets)',
    async ({ statementBets }) => {
      const before = await snapshot();
      const { selection, commit } = await committable('stale', statementBets);
      // An entry of the selection that is no longer there (or one that was not selected) changes the partition.
      const entry = selection.entries[0]!;
      await pool.query('UPDATE wallet_entries SET bet_id = NULL WHERE id = $1', [entry.id]);
      await expect(commit()).rejects.toThrow(StaleSelectionError);
      await pool.query('UPDATE wallet_entries SET bet_id = $2 WHERE id = $1', [entry.id, entry.bet_id]);
      // A selected bet that is gone.
      const bet = selection.bets[1]!;
      await pool.query('ALTER TABLE bets DISABLE TRIGGER ALL');
      await pool.query(`UPDATE bets SET id = id || '-moved' WHERE id = $1`, [bet.id]);
      await expect(commit()).rejects.toThrow(StaleSelectionError);
      await pool.query(`UPDATE bets SET id = $1 WHERE id = $1 || '-moved'`, [bet.id]);
      await pool.query('ALTER TABLE bets ENABLE TRIGGER ALL');
      // An entry that was not selected, now of the last selected bet (with one bet a statement, the earlier ones are
      // deleted by then: the rollback must bring them back).
      const lastBet = selection.bets.at(-1)!;
      const { rows: stray } = await pool.query<{ id: number }>(
        'UPDATE wallet_entries SET bet_id = $1 WHERE id = (SELECT min(id) FROM wallet_entries WHERE bet_id IS NULL) RETURNING id',
        [lastBet.id],
      );
      await expect(commit()).rejects.toThrow(StaleSelectionError);
      await pool.query('UPDATE wallet_entries SET bet_id = NULL WHERE id = $1', [stray[0]!.id]);
      const { rows } = await pool.query<{ m: number; t: number }>(
        'SELECT (SELECT count(*)::int FROM archive_manifests) AS m, (SELECT count(*)::int FROM archived_bets) AS t',
      );
      expect(rows[0]).toEqual({ m: 0, t: 0 });
      expect(await snapshot()).toEqual(before);
      // Unchanged again, the same selection commits.
      await commit();
      expect((await snapshot()).drift.drift).toBe(0);
    },
  );

  it("a bet placed again under an archived bet's key is archived without a tombstone of its own; a bet id tombstoned already fails the commit", async () => {
    const { selection, commit } = await committable('rekeyed');
    const [again, twice] = selection.bets;
    // The key of `again` already has the tombstone of an earlier bet (the rare bet that slipped past the gateway).
    await pool.query(`INSERT INTO archived_bets (bet_id, player_id, client_bet_id, archived_at) VALUES ('earlier', $1, $2, 1)`, [
      again!.player_id,
      again!.client_bet_id,
    ]);
    // `twice`'s own id tombstoned already: an archive of the same bet again, which must not pass silently.
    await pool.query(`INSERT INTO archived_bets (bet_id, player_id, client_bet_id, archived_at) VALUES ($1, 'someone', 'else', 1)`, [
      twice!.id,
    ]);
    const before = await snapshot();
    await expect(commit()).rejects.toThrow(/archived_bets_pkey/);
    expect(await snapshot()).toEqual(before);
    await pool.query(`DELETE FROM archived_bets WHERE bet_id = $1`, [twice!.id]);
    await commit();
    const { rows } = await pool.query<{ bet_id: string }>('SELECT bet_id FROM archived_bets WHERE player_id = $1 AND client_bet_id = $2', [
      again!.player_id,
      again!.client_bet_id,
    ]);
    expect(rows).toEqual([{ bet_id: 'earlier' }]);
    const { rows: left } = await pool.query('SELECT 1 FROM bets WHERE id = ANY($1::text[])', [selection.bets.map((b) => b.id)]);
    expect(left).toHaveLength(0);
    expect((await snapshot()).drift.drift).toBe(0);
  });

  it('two executors committing the same partition at once: one archives it, the other is refused, money moved once', async () => {
    const before = await snapshot();
    const { selection, commit } = await committable('twice');
    const results = await Promise.allSettled([commit(), commit()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(StaleSelectionError);
    const after = await snapshot();
    expect(after.balances).toEqual(before.balances);
    expect(after.drift.drift).toBe(0);
    const { rows } = await pool.query<{ m: number; t: number; sum: number }>(
      'SELECT (SELECT count(*)::int FROM archive_manifests) AS m, (SELECT count(*)::int FROM archived_bets) AS t, (SELECT sum(archived_sum)::bigint FROM wallet_archive_checkpoints) AS sum',
    );
    expect(rows[0]).toEqual({ m: 1, t: selection.bets.length, sum: selection.entries.reduce((s, e) => s + Number(e.amount), 0) });
  });

  it("a bet of a wallet whose history is being archived goes through while the archive's transaction is open", async () => {
    const { selection, manifest } = await committable('beside-bets');
    const player = selection.bets[0]!.player_id;
    const archive = await pool.connect();
    try {
      await archive.query('BEGIN');
      await commitPartition(archive, manifest, selection.bets, selection.entries, NOW);
      // The ledger's batch for that player, as bet-batch.ts runs it, while the archive has not committed: it must not
      // wait for the archive (a wallet lock held through the archive's deletes would hold the bet for that long).
      const intent = betIntent({ betId: 'beside-archive', playerId: player, lockoutAt: NOW + 60_000, acceptedAt: NOW });
      const placed = await withTransaction(pool, async (c) => {
        await c.query(`SET LOCAL lock_timeout = '3s'`);
        const { cellLiability, wallets } = await lockBatch(c, [intent.cellId], [player]);
        const { decisions } = decideFirstFit([intent], wallets, NOW, () => false, { cap: 1_000_000, current: cellLiability });
        await writeBatch(c, decisions.map(toBatchRow), NOW);
        return decisions[0]!.status;
      });
      expect(placed).toBe('confirmed');
      await archive.query('COMMIT');
    } finally {
      archive.release();
    }
    const after = await snapshot();
    expect(after.drift.drift).toBe(0);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bets WHERE id = $1', ['beside-archive']);
    expect(rows[0]!.n).toBe(1);
  });

  it('a stored file that does not read back as written is never trusted: nothing deleted', async () => {
    const before = await snapshot();
    const [day] = await archivableDays(pool, CUTOFF);
    const corrupting: ArchiveStore = {
      url: store.url,
      put: (k, b) => store.put(k, b),
      get: async (k) => {
        const body = await store.get(k);
        body[body.length - 3] = body[body.length - 3]! ^ 0x55;
        return body;
      },
      delete: (k) => store.delete(k),
      list: (p) => store.list(p),
    };
    const job = { runId: 'r', day: day!.day, chunk: 0, cutoff: CUTOFF, maxBets: 1000 };
    await expect(archivePartitionHandler({ pool, store: corrupting, logger })(job)).rejects.toThrow(/failed verification/);
    expect(await snapshot()).toEqual(before);
    const { rows } = await pool.query('SELECT 1 FROM archive_manifests');
    expect(rows).toHaveLength(0);
  });
});

describe('archive partition executor in a real bet-ledger process', () => {
  it.each<ArchiveStep>(['put', 'verified', 'committed'])(
    'SIGKILL of bet-ledger after step %s: the rerun completes, nothing lost or archived twice',
    async (killAfter) => {
      const before = await snapshot();
      const prefix = uniquePrefix('archive-kill');
      const redis = createRedis(testRedisUrl(), 'blocking');
      const queue = createQueue(QUEUES.ledgerArchive, redis, prefix);
      let child: ChildProcess | undefined;
      try {
        const [day] = await archivableDays(pool, CUTOFF);
        const job: ArchivePartitionJob = { runId: 'killed', day: day!.day, chunk: 0, cutoff: CUTOFF, maxBets: 1000 };
        child = await spawnLedgerProcess({
          databaseUrl: db.url,
          redisPrefix: prefix,
          archiveUrl: store.url,
          env: { LEDGER_FAULT_KILL_ARCHIVE_AFTER: killAfter },
        });
        const started = child;
        const exited = new Promise<NodeJS.Signals | null>((resolve) => started.on('exit', (_code, signal) => resolve(signal)));
        await queue.add('archive-partition', job, JOB_OPTIONS.ledgerArchive.partition(job.runId, job.day, job.chunk));
        expect(await exited).toBe('SIGKILL');
        const { rows: committed } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM archive_manifests');
        expect(committed[0]!.n).toBe(killAfter === 'committed' ? 1 : 0);
        if (killAfter !== 'committed') expect(await snapshot()).toEqual(before);
        // The redelivered job, on a healthy ledger.
        const r = await archivePartitionHandler({ pool, store, logger })(job);
        expect(r.status).toBe(killAfter === 'committed' ? 'already' : 'archived');
        expect(r.bets).toBe(day!.bets);
        const after = await snapshot();
        expect(after.balances).toEqual(before.balances);
        expect(after.drift.drift).toBe(0);
        const { rows } = await pool.query<{ bets: number; files: number; tomb: number }>(
          'SELECT sum(bets)::int AS bets, count(*)::int AS files, (SELECT count(*)::int FROM archived_bets) AS tomb FROM archive_manifests',
        );
        expect(rows[0]).toEqual({ bets: day!.bets, files: 1, tomb: day!.bets });
        expect(await store.list('runs/')).toHaveLength(1);
      } finally {
        // A ledger that did not kill itself (the test then failed) is not left running.
        if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await queue.queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
        await redis.quit();
      }
    },
    60_000,
  );
});
