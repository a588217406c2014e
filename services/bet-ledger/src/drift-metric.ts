import type { Pool } from '@wagerflow/db';
import type { Metrics } from '@wagerflow/runtime';
import { walletDrift } from './repositories/drift.repository.js';

/** The drift check sums every wallet entry: run at most this often, whatever the scrape interval. */
export const DRIFT_CHECK_EVERY_MS = 60_000;

/**
 * `wagerflow_reconciliation_drift{ledger="wallets"}` (alert LedgerDrift, SPEC 4.8): wallets whose balance differs from
 * their archived checkpoint plus their entries. Every replica computes the same database-wide number; the rule takes
 * the max. Checked at scrape time, at most once a minute; a failed check keeps the last value (the scrape still
 * answers, and a database that is down pages through readiness, not through this gauge).
 */
export function registerDriftMetric(metrics: Metrics, pool: Pool, everyMs = DRIFT_CHECK_EVERY_MS): void {
  let lastCheck = -Infinity;
  metrics.gauge(
    'wagerflow_reconciliation_drift',
    'Accounts whose balance differs from the sum of their entries (and archive checkpoint)',
    ['ledger'],
    async function () {
      if (Date.now() - lastCheck < everyMs) return;
      lastCheck = Date.now();
      try {
        this.set({ ledger: 'wallets' }, (await walletDrift(pool)).drift);
      } catch {
        lastCheck = -Infinity; // try again at the next scrape
      }
    },
  );
}
