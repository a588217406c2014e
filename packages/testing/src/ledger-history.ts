import type { Pool } from '@wagerflow/db';
import { seededRandom } from './seeded-random.js';

const DAY = 86_400_000;
const KINDS = ['won', 'lost', 'void', 'rejected', 'open'] as const;

/**
 * A ledger as the money path leaves it, written straight into bet-ledger's tables (for the archive tests): `wallets`
 * wallets `p0…`, each with a deposit 71 days before `now`, then `betsPerWallet` bets `b-<w>-<i>` placed over the last
 * 70 days, in turn won, lost, void (stake, payout and refund entries), rejected (no entry) and open (stake only),
 * every entry chaining balance_before → balance_after under the wallet's seq. Balance = sum of entries: drift 0.
 */
export async function seedLedgerHistory(pool: Pool, o: { wallets: number; betsPerWallet: number; now: number }): Promise<void> {
  const rand = seededRandom(42);
  for (let w = 0; w < o.wallets; w++) {
    const player = `p${w}`;
    const { rows } = await pool.query<{ id: number }>('INSERT INTO wallets (player_id, updated_at) VALUES ($1, $2) RETURNING id', [
      player,
      o.now,
    ]);
    const walletId = rows[0]!.id;
    let balance = 0;
    let seq = 0;
    const entries: object[] = [];
    const bets: object[] = [];
    const add = (kind: string, amount: number, bet: string | null, at: number) => {
      seq += 1;
      entries.push({ w: walletId, seq, kind, amount, before: balance, after: balance + amount, bet, at });
      balance += amount;
    };
    add('deposit', 1_000_000, null, o.now - 71 * DAY);
    for (let i = 0; i < o.betsPerWallet; i++) {
      const id = `b-${w}-${i}`;
      const placed = o.now - Math.floor(rand() * 70 * DAY);
      const stake = 100 + Math.floor(rand() * 900);
      const kind = KINDS[i % KINDS.length]!;
      const settled = kind === 'open' || kind === 'rejected' ? null : placed + 60_000;
      const payout = kind === 'won' ? stake * 2 : kind === 'void' ? stake : kind === 'lost' ? 0 : null;
      const status = kind === 'rejected' ? 'rejected' : 'confirmed';
      bets.push({ id, player, status, result: kind === 'rejected' ? null : kind, stake, payout, placed, settled });
      if (kind === 'rejected') continue;
      add('stake', -stake, id, placed);
      if (kind === 'won') add('payout', stake * 2, id, settled!);
      if (kind === 'void') add('refund', stake, id, settled!);
    }
    await pool.query(
      `INSERT INTO bets (id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high, stake,
         multiplier_bps, status, reason, result, payout, placed_at, confirmed_at, settled_at, updated_at, correlation_id)
       SELECT b.id, b.player, 'c-' || b.id, 'BTC-USD', 'BTC-USD:1:1', 1, 1, 100, 125, b.stake, 20000, b.status,
              CASE WHEN b.status = 'rejected' THEN 'insufficient_funds' END, b.result, b.payout, b.placed,
              CASE WHEN b.status = 'confirmed' THEN b.placed END, b.settled, coalesce(b.settled, b.placed), 'corr'
         FROM jsonb_to_recordset($1::jsonb) AS b(id text, player text, status text, result text, stake bigint, payout bigint,
              placed bigint, settled bigint)`,
      [JSON.stringify(bets)],
    );
    await pool.query(
      `INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, bet_id, correlation_id, created_at)
       SELECT e.w, e.seq, e.kind, e.amount, e.before, e.after, e.bet, 'corr', e.at
         FROM jsonb_to_recordset($1::jsonb) AS e(w bigint, seq bigint, kind text, amount bigint, before bigint, after bigint, bet text, at bigint)`,
      [JSON.stringify(entries)],
    );
    await pool.query('UPDATE wallets SET balance = $2, seq = $3 WHERE id = $1', [walletId, balance, seq]);
  }
}
