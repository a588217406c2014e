import { randomUUID } from 'node:crypto';
import type { DepositJob, DepositResult } from '@wagerflow/contracts';
import type { PoolClient } from '@wagerflow/db';

/**
 * Credit a deposit under the wallet's row lock; `(player_id, reference)` is its idempotency key.
 * Returns the original result for a replay, or `idempotency_key_reused` for a different amount.
 */
export async function applyDeposit(
  client: PoolClient,
  job: DepositJob,
  now: number,
): Promise<{ result: DepositResult; walletSeq: number }> {
  await client.query('INSERT INTO wallets (player_id, updated_at) VALUES ($1, $2) ON CONFLICT (player_id) DO NOTHING', [job.playerId, now]);
  const { rows: walletRows } = await client.query<{ id: number; balance: number; seq: number }>(
    'SELECT id, balance, seq FROM wallets WHERE player_id = $1 FOR UPDATE',
    [job.playerId],
  );
  const wallet = walletRows[0];
  if (!wallet) throw new Error(`wallet of ${job.playerId} vanished`);
  const { rows: existing } = await client.query<{ id: string; amount: number; balance_after: number; seq: number }>(
    `SELECT d.id, d.amount, e.balance_after, e.seq FROM deposits d JOIN wallet_entries e ON e.deposit_id = d.id
      WHERE d.player_id = $1 AND d.reference = $2`,
    [job.playerId, job.reference],
  );
  const prior = existing[0];
  if (prior) {
    if (prior.amount !== job.amount) return { result: { ok: false, code: 'idempotency_key_reused' }, walletSeq: wallet.seq };
    return { result: { ok: true, depositId: prior.id, balance: prior.balance_after, replay: true }, walletSeq: wallet.seq };
  }
  const depositId = randomUUID();
  const seq = wallet.seq + 1;
  const balance = wallet.balance + job.amount;
  await client.query(
    'INSERT INTO deposits (id, player_id, reference, amount, correlation_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [depositId, job.playerId, job.reference, job.amount, job.correlationId, now],
  );
  await client.query('UPDATE wallets SET balance = $2, seq = $3, updated_at = $4 WHERE id = $1', [wallet.id, balance, seq, now]);
  await client.query(
    `INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, deposit_id, correlation_id, created_at)
     VALUES ($1, $2, 'deposit', $3, $4, $5, $6, $7, $8)`,
    [wallet.id, seq, job.amount, wallet.balance, balance, depositId, job.correlationId, now],
  );
  return { result: { ok: true, depositId, balance, replay: false }, walletSeq: seq };
}

/** Every wallet's `{balance, seq}`, for the startup cache rebuild. */
export async function* allWallets(
  client: PoolClient,
  pageSize = 5_000,
): AsyncGenerator<{ playerId: string; balance: number; seq: number }[]> {
  let after = 0;
  for (;;) {
    const { rows } = await client.query<{ id: number; player_id: string; balance: number; seq: number }>(
      'SELECT id, player_id, balance, seq FROM wallets WHERE id > $1 ORDER BY id LIMIT $2',
      [after, pageSize],
    );
    if (rows.length === 0) return;
    yield rows.map((r) => ({ playerId: r.player_id, balance: r.balance, seq: r.seq }));
    after = rows[rows.length - 1]!.id;
  }
}
