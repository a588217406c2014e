import type { Pool } from '@wagerflow/db';
import type { Metrics } from '@wagerflow/runtime';

const REWARD_OUTCOMES = ['created', 'duplicate', 'refused', 'rate_limited', 'error'] as const;

/** A drift check sums every entry: run at most this often, whatever the scrape interval. */
const DRIFT_CHECK_EVERY_MS = 60_000;

/**
 * Loyalty's metrics, for the seed's targets (infra/prometheus/alerts.yml): slip completion ≥ 99.5 % (accrued / closed),
 * recovery ≤ 0.1 % (accrued by recovery / closed), manual-reward errors < 1 %, drift 0.
 */
export function createLoyaltyMetrics(metrics: Metrics, pool: Pool) {
  const plays = metrics.counter('wagerflow_loyalty_plays_total', 'Plays taken from the queue, by what they did', ['effect']);
  const batchSeconds = metrics.histogram(
    'wagerflow_loyalty_play_batch_seconds',
    'Play batch transaction latency',
    [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );
  const slipsOpened = metrics.counter('wagerflow_loyalty_slips_opened_total', 'Rating slips opened');
  const slipsClosed = metrics.counter('wagerflow_loyalty_slips_closed_total', 'Rating slips closed (saga step 1)', ['by']);
  const accruals = metrics.counter('wagerflow_loyalty_slip_accruals_total', 'Slips accrued (saga step 2), by path', ['path']);
  const accrualFailures = metrics.counter(
    'wagerflow_loyalty_slip_accrual_failures_total',
    'Step 2 attempts that failed (retried by recovery)',
  );
  const accrualLag = metrics.histogram(
    'wagerflow_loyalty_accrual_lag_seconds',
    'From slip close to its accrual',
    [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 3600],
  );
  const rewards = metrics.counter('wagerflow_loyalty_rewards_total', 'Manual reward requests, by outcome', ['outcome']);

  // Every label value from 0: a series first exported at 1 hides its first event from increase() (the alerts' ratios).
  for (const effect of ['counted', 'voided', 'ignored'] as const) plays.inc({ effect }, 0);
  for (const by of ['idle', 'staff'] as const) slipsClosed.inc({ by }, 0);
  for (const path of ['close', 'recovery'] as const) accruals.inc({ path }, 0);
  for (const outcome of REWARD_OUTCOMES) rewards.inc({ outcome }, 0);

  let lastDriftCheck = 0;
  metrics.gauge(
    'wagerflow_loyalty_drift_accounts',
    'Loyalty accounts whose points differ from the sum of their entries',
    [],
    async function () {
      if (Date.now() - lastDriftCheck < DRIFT_CHECK_EVERY_MS) return;
      lastDriftCheck = Date.now();
      const { rows } = await pool.query<{ drift: number }>('SELECT drift FROM loyalty_drift()');
      this.set(rows[0]?.drift ?? 0);
    },
  );
  metrics.gauge('wagerflow_loyalty_unaccrued_slips', 'Closed slips still waiting for their accrual', [], async function () {
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM rating_slips WHERE status = 'closed' AND accrued_at IS NULL",
    );
    this.set(rows[0]?.n ?? 0);
  });

  return {
    playBatch: (s: { plays: number; counted: number; voided: number; opened: number; ms: number }) => {
      plays.inc({ effect: 'counted' }, s.counted);
      plays.inc({ effect: 'voided' }, s.voided);
      plays.inc({ effect: 'ignored' }, s.plays - s.counted - s.voided);
      slipsOpened.inc(s.opened);
      batchSeconds.observe(s.ms / 1000);
    },
    saga: {
      closed: (by: 'idle' | 'staff', n: number) => slipsClosed.inc({ by }, n),
      accrued: (path: 'close' | 'recovery', lagMs: number) => {
        accruals.inc({ path });
        accrualLag.observe(lagMs / 1000);
      },
      failed: () => accrualFailures.inc(),
    },
    reward: (outcome: (typeof REWARD_OUTCOMES)[number]) => rewards.inc({ outcome }),
  };
}
