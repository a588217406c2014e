/**
 * Input of `--mode archive`: a ledger history of `bets` final bets, written straight into bet-ledger's tables in a
 * few set-based statements (generate_series; the bench measures archiving, not placing). Each of `wallets` wallets
 * (`<prefix><w>`) gets a deposit, then its bets in time order over `spanMs` from `from`, in a fixed pattern of ten:
 * won ×3 (stake debit, payout credit), lost ×5 (stake debit), void (stake debit, refund), rejected (no entry). Every
 * entry chains balance_before → balance_after under the wallet's seq, and the wallet's balance and seq are the sum and
 * count of its entries, so `ledger_wallet_drift()` is 0. Bet ids are random UUIDs and entry ids follow time, as the
 * money path leaves them. The shape of packages/testing's `seedLedgerHistory`, in SQL (scripts may not import it).
 */
import type pg from 'pg';
import { withClient } from './pg-wal.js';

/** Marks every seeded row (bets, entries, deposits): the check after the run counts seeded bets by it. */
export const SEED_CORRELATION = 'bench-archive-seed';
const DAY_MS = 86_400_000;
/** Enough that no wallet's balance goes below 0 whatever its bets (at most 500 a stake). */
const DEPOSIT = 1_000_000_000;
const SETTLE_AFTER_MS = 60_000;
const MULTIPLIER_BPS = 19_500;

export interface ArchiveSeed {
  bets: number;
  wallets: number;
  /** Final time of the oldest bet (ms). */
  from: number;
  /** Bets are placed over [from, from + spanMs). */
  spanMs: number;
  playerPrefix: string;
}

export interface ArchiveSeedCounts {
  bets: number;
  /** Wallet entries of the seeded bets (deposits not included: they are not archived). */
  betEntries: number;
  won: number;
  lost: number;
  void: number;
  rejected: number;
  /** The inserts (one transaction). */
  seconds: number;
  /** The VACUUM (ANALYZE) after them. */
  vacuumSeconds: number;
  /** The CHECKPOINT after that (null: not permitted to this role, so the run meets the seed's WAL). */
  checkpointSeconds: number | null;
}

/**
 * The pattern of ten kinds: the `j`-th bet of wallet `w` is `BET_PATTERN[(j + w) % 10]` (shifted per wallet, so that
 * even a few bets a wallet give every kind). The SQL below spells the same pattern. Entries a bet: 2 (won: stake and
 * payout; void: stake and refund), 1 (lost: stake) or 0 (rejected).
 */
export const BET_PATTERN = ['won', 'lost', 'lost', 'won', 'void', 'lost', 'won', 'lost', 'rejected', 'lost'] as const;
export type SeedKind = (typeof BET_PATTERN)[number];

/** How many bets of each kind, and their wallet entries, `bets` bets over `wallets` wallets give (bet n is the (n ÷ wallets)-th of wallet n mod wallets). */
export function expectedSeedCounts(
  bets: number,
  wallets: number,
): Omit<ArchiveSeedCounts, 'seconds' | 'vacuumSeconds' | 'checkpointSeconds'> {
  const counts = { won: 0, lost: 0, void: 0, rejected: 0 };
  for (let w = 0; w < Math.min(wallets, bets); w++) {
    const own = Math.floor(bets / wallets) + (w < bets % wallets ? 1 : 0);
    for (let j = 0; j < own; j++) counts[BET_PATTERN[(j + w) % BET_PATTERN.length]!] += 1;
  }
  return { bets, betEntries: 2 * counts.won + counts.lost + 2 * counts.void, ...counts };
}

/** Where a history's wallets come from: `$1` of `sql` is `param`; its rows are (id, player_id, balance, seq, w 0…). */
interface WalletSource {
  sql: string;
  param: string | string[];
  count: number;
}

/**
 * The bets and entries of `bets` final bets over the wallets of `source` (bet n is the (n ÷ count)-th of wallet
 * n mod count), each wallet's entries chaining on from its balance and seq, which grow by them. In the caller's
 * transaction; returns the bets of each kind.
 */
async function insertHistory(
  client: pg.Client,
  source: WalletSource,
  h: { bets: number; from: number; spanMs: number },
): Promise<Partial<Record<SeedKind, number>>> {
  // The running sums sort all entries: in memory, not on disk.
  await client.query("SET LOCAL work_mem = '512MB'");
  // One row a bet, with what its bet row and entries are made of. Placing times grow with n, so each wallet's bets
  // (and seqs) are in time order.
  await client.query(
    `CREATE TEMP TABLE archive_seed ON COMMIT DROP AS
     SELECT n, gen_random_uuid()::text AS bet_id, w.id AS wallet_id, w.player_id, w.balance AS opening, w.seq AS opening_seq,
            n / $2::int AS j,
            (ARRAY['won','lost','lost','won','void','lost','won','lost','rejected','lost'])[(n / $2::int + n % $2::int) % 10 + 1] AS kind,
            100 * (1 + n % 5)::bigint AS stake,
            $3::bigint + (n::bigint * $4::bigint) / $5::bigint AS placed
       FROM generate_series(0, $5::int - 1) n
       JOIN (${source.sql}) w ON w.w = n % $2::int`,
    [source.param, source.count, h.from, h.spanMs, h.bets],
  );
  await client.query(
    `INSERT INTO bets (id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high, stake,
       multiplier_bps, status, reason, result, payout, placed_at, confirmed_at, settled_at, updated_at, correlation_id)
     SELECT bet_id, player_id, 'c-' || bet_id, 'BTC-USD', 'BTC-USD:' || (placed / 5000 * 5000 + 10000) || ':4000',
            placed / 5000 * 5000 + 10000, 4000, 100000, 100025, stake, $1::int,
            CASE WHEN kind = 'rejected' THEN 'rejected' ELSE 'confirmed' END,
            CASE WHEN kind = 'rejected' THEN 'insufficient_funds' END,
            CASE WHEN kind = 'rejected' THEN NULL ELSE kind END,
            CASE kind WHEN 'won' THEN stake * $1::int / 10000 WHEN 'void' THEN stake WHEN 'lost' THEN 0 END,
            placed,
            CASE WHEN kind <> 'rejected' THEN placed END,
            CASE WHEN kind <> 'rejected' THEN placed + $2::bigint END,
            CASE WHEN kind <> 'rejected' THEN placed + $2::bigint ELSE placed END,
            md5(bet_id)
       FROM archive_seed ORDER BY n`,
    [MULTIPLIER_BPS, SETTLE_AFTER_MS],
  );
  // Entries after the wallet's own (its deposit): a running sum per wallet in bet order, inserted in time order
  // (entry ids follow time, as the ledger writes them).
  await client.query(
    `INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, bet_id, correlation_id, created_at)
     SELECT wallet_id, seq, ekind, amount, after - amount, after, bet_id, $2, at
       FROM (SELECT x.*, opening_seq + row_number() OVER win AS seq, opening + sum(amount) OVER win AS after
               FROM (SELECT s.wallet_id, s.opening, s.opening_seq, s.j, e.ord, e.ekind, e.amount, s.bet_id, e.at
                       FROM archive_seed s
                       CROSS JOIN LATERAL (VALUES
                         (0, 'stake', -s.stake, s.placed),
                         (1, CASE s.kind WHEN 'won' THEN 'payout' ELSE 'refund' END,
                             CASE s.kind WHEN 'won' THEN s.stake * $3 / 10000 ELSE s.stake END, s.placed + $1)) AS e(ord, ekind, amount, at)
                      WHERE s.kind <> 'rejected' AND (e.ord = 0 OR s.kind IN ('won', 'void'))) x
             WINDOW win AS (PARTITION BY wallet_id ORDER BY j, ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) y
      ORDER BY at, wallet_id, seq`,
    [SETTLE_AFTER_MS, SEED_CORRELATION, MULTIPLIER_BPS],
  );
  await client.query(
    `UPDATE wallets w SET balance = w.balance + t.net, seq = w.seq + t.entries, updated_at = greatest(w.updated_at, t.last)
       FROM (SELECT wallet_id,
                    sum(CASE kind WHEN 'won' THEN stake * $1 / 10000 - stake WHEN 'lost' THEN -stake ELSE 0 END) AS net,
                    sum(CASE kind WHEN 'won' THEN 2 WHEN 'void' THEN 2 WHEN 'lost' THEN 1 ELSE 0 END) AS entries,
                    max(placed) + $2 AS last
               FROM archive_seed GROUP BY wallet_id) t
      WHERE w.id = t.wallet_id`,
    [MULTIPLIER_BPS, SETTLE_AFTER_MS],
  );
  const { rows } = await client.query<{ kind: SeedKind; n: number }>('SELECT kind, count(*)::int AS n FROM archive_seed GROUP BY kind');
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

/**
 * One transaction of inserts (`write`, `bets` bets over `wallets` wallets), committed only when the kinds it wrote are
 * `expectedSeedCounts`' (a failure ends the connection with the transaction open: Postgres rolls it back). Then as a
 * month-old history would be: vacuumed and analysed, so that autovacuum does not run on the fresh rows during the first
 * window (it does run on the rows the archive deletes, as it would in production), and checkpointed.
 */
function seedInOneGo(
  databaseUrl: string,
  bets: number,
  wallets: number,
  write: (client: pg.Client) => Promise<Partial<Record<SeedKind, number>>>,
): Promise<ArchiveSeedCounts> {
  const started = performance.now();
  return withClient(databaseUrl, async (client) => {
    await client.query('BEGIN');
    const by = await write(client);
    const written = { bets, won: by.won ?? 0, lost: by.lost ?? 0, void: by.void ?? 0, rejected: by.rejected ?? 0, betEntries: 0 };
    written.betEntries = 2 * written.won + written.lost + 2 * written.void;
    const expected = expectedSeedCounts(bets, wallets);
    if ((Object.keys(expected) as (keyof typeof expected)[]).some((k) => written[k] !== expected[k])) {
      throw new Error(`the seed wrote ${JSON.stringify(written)}, expected ${JSON.stringify(expected)}`);
    }
    await client.query('COMMIT');
    const inserted = performance.now();
    await client.query('VACUUM (ANALYZE) wallets, deposits, bets, wallet_entries');
    const vacuumed = performance.now();
    const checkpointed = await checkpointIfPermitted(client);
    return {
      ...written,
      seconds: (inserted - started) / 1000,
      vacuumSeconds: (vacuumed - inserted) / 1000,
      checkpointSeconds: checkpointed ? (performance.now() - vacuumed) / 1000 : null,
    };
  });
}

/** Seeds the history (see the file comment); returns what was written. Run before the services start. */
export function seedArchiveHistory(databaseUrl: string, s: ArchiveSeed): Promise<ArchiveSeedCounts> {
  return seedInOneGo(databaseUrl, s.bets, s.wallets, async (client) => {
    await client.query(
      `WITH p AS (SELECT $1 || w AS player_id FROM generate_series(0, $2::int - 1) w),
            w AS (INSERT INTO wallets (player_id, balance, seq, updated_at) SELECT player_id, $3, 1, $4 FROM p RETURNING id, player_id),
            d AS (INSERT INTO deposits (id, player_id, reference, amount, correlation_id, created_at)
                  SELECT 'dep-' || player_id, player_id, 'bench-archive', $3, $5, $4 FROM p RETURNING id, player_id)
       INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, deposit_id, correlation_id, created_at)
       SELECT w.id, 1, 'deposit', $3, 0, $3, d.id, $5, $4 FROM w JOIN d USING (player_id)`,
      [s.playerPrefix, s.wallets, DEPOSIT, s.from - DAY_MS, SEED_CORRELATION],
    );
    const source = {
      sql: 'SELECT id, player_id, balance, seq, substr(player_id, length($1) + 1)::int AS w FROM wallets WHERE starts_with(player_id, $1)',
      param: s.playerPrefix,
      count: s.wallets,
    };
    return insertHistory(client, source, s);
  });
}

/**
 * The same kind of history for wallets that exist already: the bench's bettors, after their deposit, so that the
 * players betting during the run have old bets in it, as a casino's regulars do (the run's commits then meet the bet
 * path on the same wallets). With the platform running: bet-ledger's balance cache keeps its older seq for these
 * wallets until their next bet writes a newer one, and no bet is placed for them before that.
 */
export function seedPlayersHistory(
  databaseUrl: string,
  playerIds: string[],
  h: { bets: number; from: number; spanMs: number },
): Promise<ArchiveSeedCounts> {
  return seedInOneGo(databaseUrl, h.bets, playerIds.length, (client) =>
    insertHistory(
      client,
      {
        sql: `SELECT w.id, w.player_id, w.balance, w.seq, (k.ord - 1)::int AS w
                FROM unnest($1::text[]) WITH ORDINALITY AS k (player_id, ord) JOIN wallets w USING (player_id)`,
        param: playerIds,
        count: playerIds.length,
      },
      h,
    ),
  );
}

/**
 * As a month-old history would be on a running server: checkpointed long ago. Without it the run starts on a fresh
 * cluster with the seed's own WAL (written about a minute before) not yet checkpointed and no old WAL segment to
 * reuse: Postgres then creates and zero-fills its 16 MB segments during the run (~400 MB of WAL in 40 s: one every
 * 1.6 s or so), and the bet commits wait behind them (their `WalSync`, `WALWrite` and `WalInitWrite` waits in pg_stat_activity
 * samples: 22 per mille without a run, 47 during it). p99 ratio during ÷ without a run, 300,000 bets: 1.95–2.19 in
 * nine runs without this checkpoint, 1.01–1.37 in eight with it (README, Archive, session 14). CHECKPOINT needs a
 * superuser or pg_checkpoint (the bench's embedded Postgres: yes); without it the run goes on and the report says so.
 */
export async function checkpointIfPermitted(client: pg.Client): Promise<boolean> {
  try {
    await client.query('CHECKPOINT');
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '42501') return false;
    throw err;
  }
}

/** Seeded bets (every bet placed before `cutoff`) still in `bets`, and the ledger's reconciliation (`ledger_wallet_drift()`). */
export function checkAfterArchive(
  databaseUrl: string,
  cutoff: number,
): Promise<{ seededBetsLeft: number; walletsChecked: number; drift: number }> {
  return withClient(databaseUrl, async (client) => {
    const left = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM bets WHERE placed_at < $1', [cutoff]);
    const drift = await client.query<{ checked: number; drift: number }>('SELECT checked, drift FROM ledger_wallet_drift()');
    return { seededBetsLeft: left.rows[0]?.n ?? -1, walletsChecked: drift.rows[0]?.checked ?? 0, drift: drift.rows[0]?.drift ?? -1 };
  });
}
