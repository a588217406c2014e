/**
 * When the ramp stops (issue 4): the first step whose p99 exceeds the latency limit or that shows any error is not
 * sustainable; the maximum sustainable rate is the last step before it. Two more guards keep the answer honest:
 * outcomes that fall behind the offered rate (a queue building up shows as latency only later), and a generator
 * that could not send on time (then the step measured the generator, not the platform).
 */
export interface RampPolicy {
  /** p99 of send → outcome above this fails the step. Default 100 ms. */
  p99LimitMs: number;
  /** Outcomes per second below this fraction of the offered rate fail the step. Default 0.95. */
  minAchievedRatio: number;
  /** Send lag p99 above this makes the step inconclusive (generator-limited). Default 20 ms. */
  maxSendLagP99Ms: number;
}

export const DEFAULT_RAMP_POLICY: RampPolicy = { p99LimitMs: 100, minAchievedRatio: 0.95, maxSendLagP99Ms: 20 };

export interface StepOutcome {
  offeredRate: number;
  achievedRate: number;
  p99Ms: number | null;
  /** 5xx + timeouts + network errors + 202s without an outcome. */
  errors: number;
  sendLagP99Ms: number | null;
}

export interface StepVerdict {
  sustainable: boolean;
  /** Empty when sustainable. */
  reasons: string[];
  /** The generator, not the platform, was the limit: the ramp cannot say more. */
  generatorLimited: boolean;
}

export function judgeStep(step: StepOutcome, policy: RampPolicy = DEFAULT_RAMP_POLICY): StepVerdict {
  const reasons: string[] = [];
  if (step.p99Ms === null) reasons.push('no outcome at all');
  else if (step.p99Ms > policy.p99LimitMs) reasons.push(`p99 ${step.p99Ms.toFixed(1)} ms > ${policy.p99LimitMs} ms`);
  if (step.errors > 0) reasons.push(`${step.errors} errors`);
  if (step.achievedRate < step.offeredRate * policy.minAchievedRatio) {
    reasons.push(`achieved ${step.achievedRate.toFixed(0)}/s < ${(policy.minAchievedRatio * 100).toFixed(0)} % of offered`);
  }
  const generatorLimited = step.sendLagP99Ms !== null && step.sendLagP99Ms > policy.maxSendLagP99Ms;
  if (generatorLimited) reasons.push(`generator-limited: send lag p99 ${step.sendLagP99Ms!.toFixed(1)} ms > ${policy.maxSendLagP99Ms} ms`);
  return { sustainable: reasons.length === 0, reasons, generatorLimited };
}

/**
 * The rates to try: start, start × factor, … up to max (inclusive), each rounded to a multiple of 10. Geometric
 * steps find the limit with the same relative precision whether it is 300/s on a busy laptop or 5,000/s.
 */
export function rampRates(start: number, factor: number, max: number): number[] {
  if (!(start > 0) || !(factor > 1)) throw new Error('ramp start must be positive and the factor above 1');
  const rates: number[] = [];
  for (let r = start; Math.round(r / 10) * 10 <= max; r *= factor) {
    const rate = Math.max(10, Math.round(r / 10) * 10);
    if (rates[rates.length - 1] !== rate) rates.push(rate);
  }
  return rates;
}

/** Highest offered rate among the leading run of sustainable steps (a later pass after a failure does not count). */
export function maxSustainableRate(steps: { offeredRate: number; verdict: StepVerdict }[]): number | null {
  let best: number | null = null;
  for (const s of steps) {
    if (!s.verdict.sustainable) break;
    best = s.offeredRate;
  }
  return best;
}
