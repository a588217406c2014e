/**
 * Issue 15's targets for `--mode overload`, a pure function of the steps (unit tested): at 2× and 4× the measured
 * capacity the gateway still accepts ≥ 0.9 × capacity per second, the accepted bets' p99 send→outcome stays within
 * 3 × its value at 70 % of capacity, no request ages into `stale_timestamp`, and every 202 gets its outcome.
 */
import type { E2eResult, OverloadStep, OverloadTargets } from './result-types.js';

export const OVERLOAD_FACTORS = [0.7, 2, 4] as const;
export const MIN_ACCEPTED_OF_CAPACITY = 0.9;
export const MAX_P99_OVER_BASE = 3;
/** The capacity step offers this many bets/s unless --capacity-rate says otherwise: well past this machine's capacity. */
export const DEFAULT_CAPACITY_RATE = 4_000;

/** Derived figures of one step from its e2e load and the gateway's shed counter. */
export function overloadStep(factor: number, result: E2eResult, shedByReason: Record<string, number>): OverloadStep {
  const sendSeconds = result.sentRate > 0 ? result.sent / result.sentRate : result.durationS;
  const answers = result.accepted202 + Object.values(result.gatewayAnswers).reduce((a, b) => a + b, 0);
  return {
    factor,
    result,
    acceptedPerSec: result.accepted202 / Math.max(0.001, sendSeconds),
    shedShare: answers > 0 ? (result.gatewayAnswers['503 overloaded'] ?? 0) / answers : 0,
    staleTimestamps: result.gatewayAnswers['401 stale_timestamp'] ?? 0,
    shedByReason,
  };
}

export function judgeOverload(capacity: number, steps: OverloadStep[]): OverloadTargets {
  const at = (f: number) => steps.find((s) => s.factor === f);
  const baseP99 = at(0.7)?.result.latencyMs.p99 ?? null;
  const accepted = (f: number): boolean | null => {
    const s = at(f);
    return s ? s.acceptedPerSec >= MIN_ACCEPTED_OF_CAPACITY * capacity : null;
  };
  const p99 = (f: number): boolean | null => {
    const v = at(f)?.result.latencyMs.p99 ?? null;
    return v === null || baseP99 === null ? null : v <= MAX_P99_OVER_BASE * baseP99;
  };
  return {
    acceptedAt2x: accepted(2),
    acceptedAt4x: accepted(4),
    p99At2x: p99(2),
    p99At4x: p99(4),
    noStale: steps.every((s) => s.staleTimestamps === 0),
    noLostOutcome: steps.every((s) => s.result.errors.noOutcome === 0),
  };
}
