// Issue 12's populated archive: 100,000 bets over 200 wallets (settled, rejected and open, over 70 days), archived by
// the real archiver and bet-ledger, then every file checked against its manifest and restored into the audit tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkArchiveFile, openArchiveStore, type ArchiveStore } from '@wagerflow/archive-store';
import { manifestsMatching } from './repositories/audit.repository.js';
import { restoreArchives } from './restore/restore.js';
import { openArchiveStack, type ArchiveStack } from './testing/archive-stack.js';
import { requestRun, runFinished } from './testing/runs.js';

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

interface FinalBet {
  final_at: number;
  stake: number;
  payout: number;
  entries: number;
  amount: number;
}

let stack: ArchiveStack;
let store: ArchiveStore;

/** Every final bet with its time and money, before the run: what it must archive is decided by the run's cutoff. */
async function finalBets(): Promise<FinalBet[]> {
  const { rows } = await stack.pool.query<FinalBet>(
    `SELECT coalesce(b.settled_at, b.updated_at)::float8 AS final_at, b.stake::float8 AS stake, coalesce(b.payout, 0)::float8 AS payout,
            count(e.id)::int AS entries, coalesce(sum(e.amount), 0)::float8 AS amount
       FROM bets b LEFT JOIN wallet_entries e ON e.bet_id = b.id
      WHERE ${FINAL.replaceAll('status', 'b.status').replaceAll('result', 'b.result')}
      GROUP BY b.id`,
  );
  return rows;
}

function figuresOf(bets: FinalBet[]): Figures {
  const sum = (k: keyof FinalBet) => bets.reduce((s, b) => s + b[k], 0);
  return { bets: bets.length, stake: sum('stake'), payout: sum('payout'), entries: sum('entries'), amount: sum('amount') };
}

async function kept(): Promise<{ open: number; balances: string }> {
  const { rows } = await stack.pool.query<{ open: number; balances: string }>(
    `SELECT (SELECT count(*) FROM bets WHERE result = 'open')::int AS open,
            (SELECT string_agg(id || ':' || balance, ',' ORDER BY id) FROM wallets) AS balances`,
  );
  return rows[0]!;
}

beforeAll(async () => {
  stack = await openArchiveStack({
    name: 'populated',
    seed: { wallets: WALLETS, betsPerWallet: BETS_PER_WALLET },
    env: { ARCHIVE_PARTITION_MAX_BETS: '5000' },
  });
  store = openArchiveStore(stack.env.ARCHIVE_URL!);
  await stack.pool.query('ANALYZE');
  await stack.startArchiver();
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

describe('archiving a populated ledger (100,000 bets, 200 wallets)', () => {
  it('archives exactly the old final bets: manifests add up to them, files match their manifests, open and recent bets and balances stay, drift 0, restore round trip', async () => {
    const { pool } = stack;
    const { rows: total } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bets');
    expect(total[0]!.n).toBe(WALLETS * BETS_PER_WALLET);
    const before = await finalBets();
    const keptBefore = await kept();
    expect(keptBefore.open).toBeGreaterThan(15_000);

    const runId = await requestRun(stack.queue);
    const run = await runFinished(pool, runId, 240_000);
    const { rows: runRow } = await pool.query<{ cutoff: number }>('SELECT cutoff::float8 AS cutoff FROM archive_run_view WHERE id = $1', [
      runId,
    ]);
    const cutoff = runRow[0]!.cutoff;
    const expected = figuresOf(before.filter((b) => b.final_at < cutoff));
    expect(expected.bets).toBeGreaterThan(40_000);
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
    for (const m of manifests) expect(checkArchiveFile(await store.get(m.objectKey), m).problems).toEqual([]);

    // Left: every final bet at or after the cutoff, every open bet; balances untouched.
    const after = await finalBets();
    expect(figuresOf(after)).toEqual(figuresOf(before.filter((b) => b.final_at >= cutoff)));
    expect(await kept()).toEqual(keptBefore);
    const { rows: drift } = await pool.query('SELECT * FROM ledger_wallet_drift()');
    expect(drift[0]).toEqual({ checked: WALLETS, drift: 0 });
    const { rows: checkpoint } = await pool.query<{ n: number }>(
      'SELECT coalesce(sum(archived_sum), 0)::float8 AS n FROM wallet_archive_checkpoints',
    );
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
