import type { Pool } from '@wagerflow/db';

/**
 * Wallets checked and wallets whose balance differs from archived checkpoint + sum of entries: the ledger's invariant,
 * through the function the gateway's reconciliation reads too (migration 20261204000001).
 */
export async function walletDrift(pool: Pool): Promise<{ checked: number; drift: number }> {
  const { rows } = await pool.query<{ checked: number; drift: number }>('SELECT checked, drift FROM ledger_wallet_drift()');
  return rows[0] ?? { checked: 0, drift: 0 };
}
