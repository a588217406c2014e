/**
 * `--mode loyalty` (issue 11): in one invocation, loyalty's accrual throughput on a pre-filled queue and its
 * same-run yardstick (the same plays, one transaction each), then manual-reward latency through the gateway and its
 * yardstick (bare HTTP at the same rate). Each half is loyalty-accrual.ts / loyalty-rewards.ts; this file runs them in
 * order and judges the targets: accrual ≥ 10 × the baseline and ≥ 5,000 plays/s, reward p99 ≤ 20 ms at 200/s with
 * no error. A failed reward half (the platform, the route) is reported, and the accrual figures are kept.
 */
import type { BenchContext } from './bench-context.js';
import { runAccrual } from './loyalty-accrual.js';
import { runRewards } from './loyalty-rewards.js';
import { ratio } from './report-format.js';
import type { LoyaltyResult } from './result-types.js';

export const LOYALTY_TARGETS = {
  accrualOverBaseline: 10,
  accrualPlaysPerSec: 5_000,
  rewardP99Ms: 20,
  rewardRate: 200,
} as const;

export async function runLoyaltyMode(ctx: BenchContext): Promise<LoyaltyResult> {
  const { log } = ctx;
  log('── loyalty: accrual (the service, group-committed) ──');
  const accrual = await runAccrual(ctx, 'loyalty');
  log(`loyalty accrual: ${accrual.playsPerSec?.toFixed(0) ?? '—'} plays/s`);
  if (ctx.signal.aborted) throw new Error('interrupted');
  log('── loyalty: baseline accrual (one transaction per play) ──');
  const baseline = await runAccrual(ctx, 'baseline');
  log(`baseline accrual: ${baseline.playsPerSec?.toFixed(0) ?? '—'} plays/s`);
  if (ctx.signal.aborted) throw new Error('interrupted');
  log('── loyalty: manual rewards through the gateway ──');
  let rewards: LoyaltyResult['rewards'] = null;
  let rewardsError: string | null = null;
  try {
    rewards = await runRewards(ctx);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    rewardsError = err instanceof Error ? err.message : String(err);
    log(`rewards: failed, accrual figures kept: ${rewardsError}`);
  }
  const accrualOverBaseline = ratio(accrual.playsPerSec, baseline.playsPerSec);
  const p99 = rewards?.rewards.latencyMs.p99 ?? null;
  return {
    mode: 'loyalty',
    accrual,
    baseline,
    accrualOverBaseline,
    rewards,
    rewardsError,
    targets: {
      accrualOverBaseline: accrualOverBaseline === null ? null : accrualOverBaseline >= LOYALTY_TARGETS.accrualOverBaseline,
      accrualPlaysPerSec: accrual.playsPerSec === null ? null : accrual.playsPerSec >= LOYALTY_TARGETS.accrualPlaysPerSec,
      // Judged at the target's rate only: another rate is a different question.
      rewardP99:
        rewards === null || p99 === null || rewards.rewards.offeredRate !== LOYALTY_TARGETS.rewardRate
          ? null
          : p99 <= LOYALTY_TARGETS.rewardP99Ms && rewards.rewards.errors.total === 0,
    },
  };
}
