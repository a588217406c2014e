/**
 * Issue 13's targets, judged from one `--mode all` invocation (machines differ 2–3× between sessions, so only ratios
 * of the same run mean anything):
 * - capacity ratio: the overloaded e2e step's processed outcomes/s ÷ bare BullMQ jobs/s, ≥ 0.5;
 * - latency holds until near capacity: the ramp's maximum sustainable rate (p99 ≤ 100 ms, no errors) ÷ that
 *   capacity, ≥ 0.7;
 * - CPU a confirmed bet costs at half of capacity (every service process, Postgres and Redis; the generator
 *   excluded; `all`'s step at half of capacity, else the ramp step nearest it) ÷ a bare BullMQ job's machine time
 *   (cores ÷ jobs/s), ≤ 1.0.
 */
import type { AllResult, BullmqResult, E2eResult, PerformanceTargets, RampResult } from './result-types.js';

export const CAPACITY_RATIO_MIN = 0.5;
export const SUSTAINABLE_OVER_CAPACITY_MIN = 0.7;
export const CPU_PER_BET_OVER_BARE_JOB_MAX = 1.0;
/** `all` offers its e2e step this × bare BullMQ jobs/s: kept up with (≥ 95 %), that alone meets the capacity target. */
export const CAPACITY_PROBE_FACTOR = 0.55;

/** CPU ms of every measured process but the generator, per confirmed bet of the step. */
export function serviceCpuMsPerBet(step: E2eResult): number | null {
  if (step.confirmed === 0) return null;
  const total = Object.values(step.cpu.services).reduce((sum, p) => sum + p.cpuMs, 0);
  return total / step.confirmed;
}

/**
 * `stepRatio` is `all`'s e2e step ÷ bare BullMQ as `e2eStepRatio` (report-format.ts) judged it: its ratio is the
 * capacity ratio, and whether the step was overloaded says whether that is the capacity or a floor of it.
 */
export function performanceTargets(
  stepRatio: AllResult['ratios']['e2eStepOverBullmq'],
  e2e: E2eResult | undefined,
  ramp: RampResult | undefined,
  bullmq: BullmqResult | undefined,
  halfCapacity?: E2eResult,
): PerformanceTargets {
  const none: PerformanceTargets = { capacityRatio: null, sustainableOverCapacity: null, cpuPerBet: null };
  if (!stepRatio || !e2e || !bullmq || stepRatio.ratio <= 0) return none;
  const capacity = e2e.processedRate;
  const judged = stepRatio.overloaded;
  const value = stepRatio.ratio;
  const targets: PerformanceTargets = {
    ...none,
    capacityRatio: { value, capacity, met: value >= CAPACITY_RATIO_MIN ? true : judged ? false : null },
  };
  if (ramp?.maxSustainableRate != null) {
    const v = ramp.maxSustainableRate / capacity;
    targets.sustainableOverCapacity = { value: v, met: v < SUSTAINABLE_OVER_CAPACITY_MIN ? false : judged ? true : null };
  }
  const steps = (ramp?.steps ?? []).map((st) => st.result).filter((r) => r.confirmed > 0);
  const half = capacity / 2;
  const nearest =
    halfCapacity && halfCapacity.confirmed > 0
      ? halfCapacity
      : steps.reduce<E2eResult | undefined>(
          (best, r) => (!best || Math.abs(r.offeredRate - half) < Math.abs(best.offeredRate - half) ? r : best),
          undefined,
        );
  const perBet = nearest ? serviceCpuMsPerBet(nearest) : null;
  if (nearest && perBet !== null) {
    const bareJobCpuMs = (bullmq.cpu.cores * 1000) / bullmq.jobsPerSec;
    const v = perBet / bareJobCpuMs;
    targets.cpuPerBet = {
      stepRate: nearest.offeredRate,
      cpuMsPerBet: perBet,
      bareJobCpuMs,
      value: v,
      met: v <= CPU_PER_BET_OVER_BARE_JOB_MAX,
    };
  }
  return targets;
}
