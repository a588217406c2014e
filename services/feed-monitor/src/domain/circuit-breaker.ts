import type { FeedStatus } from '@wagerflow/contracts';

export interface BreakerThresholds {
  degradedMs: number;
  criticalMs: number;
  recoveryMs: number;
}

export interface BreakerState {
  status: FeedStatus;
  /** While CRITICAL: since when every observed age has been ≤ degradedMs (null: recovery not running). */
  healthySince: number | null;
}

export const INITIAL_BREAKER: BreakerState = { status: 'CRITICAL', healthySince: null };

/**
 * SPEC 3's transition table, evaluated on the age of the last tick (server clock); every threshold
 * is compared with `>`. HEALTHY and DEGRADED follow the age directly; CRITICAL is left only after
 * ages have stayed ≤ degradedMs for more than recoveryMs without a break, and any age above
 * degradedMs restarts that recovery. A market with no tick (age null) is CRITICAL.
 * Pure: the caller evaluates at least every 500 ms and on every tick (with the gap it closed).
 */
export function evaluateBreaker(state: BreakerState, ageMs: number | null, now: number, t: BreakerThresholds): BreakerState {
  if (ageMs == null || ageMs > t.criticalMs) return { status: 'CRITICAL', healthySince: null };
  const fresh = ageMs <= t.degradedMs;
  if (state.status !== 'CRITICAL') return { status: fresh ? 'HEALTHY' : 'DEGRADED', healthySince: null };
  if (!fresh) return { status: 'CRITICAL', healthySince: null };
  const since = state.healthySince ?? now;
  return now - since > t.recoveryMs ? { status: 'HEALTHY', healthySince: null } : { status: 'CRITICAL', healthySince: since };
}
