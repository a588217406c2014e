import { describe, expect, it } from 'vitest';
import { performanceTargets, serviceCpuMsPerBet } from './performance-targets.js';
import { e2eStepRatio, performanceTargetRows } from './report-format.js';
import type { BullmqResult, CpuFigures, E2eResult, RampResult } from './result-types.js';

const cpu = (services: Record<string, number>, cores = 2): CpuFigures => ({
  generator: { pid: null, cpuMs: 9_999, percentOfCore: 0 },
  services: Object.fromEntries(Object.entries(services).map(([name, cpuMs]) => [name, { pid: 1, cpuMs, percentOfCore: 0 }])),
  machineBusyPercent: null,
  cores,
});

const e2e = (offeredRate: number, processedRate: number, confirmed: number, services: Record<string, number> = {}): E2eResult =>
  ({ mode: 'e2e', offeredRate, processedRate, achievedRate: processedRate, confirmed, cpu: cpu(services) }) as E2eResult;

const bullmq = (jobsPerSec: number, cores = 2): BullmqResult => ({ mode: 'bullmq', jobsPerSec, cpu: cpu({}, cores) }) as BullmqResult;

const ramp = (maxSustainableRate: number | null, steps: E2eResult[]): RampResult => ({
  mode: 'ramp',
  stepDurationS: 15,
  stoppedBecause: 'test',
  maxSustainableRate,
  steps: steps.map((result) => ({ result, sustainable: true, reasons: [] })),
});

/** As `all` calls it: the step ratio judged by e2eStepRatio first. */
const targets = (step: E2eResult | undefined, r: RampResult | undefined, b: BullmqResult | undefined, half?: E2eResult) =>
  performanceTargets(e2eStepRatio(step, b), step, r, b, half);

describe('issue 13 targets from one --mode all', () => {
  it('CPU a bet: every process but the generator, over confirmed bets', () => {
    expect(serviceCpuMsPerBet(e2e(100, 100, 1_000, { gateway: 1_000, postgres: 500, 'redis-server': 500 }))).toBe(2);
    expect(serviceCpuMsPerBet(e2e(100, 0, 0, { gateway: 1_000 }))).toBeNull();
  });

  it('judges each ratio against its bound, using the ramp step nearest half of capacity', () => {
    // Capacity 2,000/s of an overloaded 4,000/s step; bare BullMQ 4,000 jobs/s on 2 cores: 0.5 ms a job.
    const steps = [
      e2e(500, 500, 10_000, { gateway: 4_000 }),
      e2e(1_000, 1_000, 20_000, { gateway: 8_000, postgres: 2_000 }),
      e2e(1_500, 1_400, 28_000),
    ];
    const t = targets(e2e(4_000, 2_000, 40_000), ramp(1_500, steps), bullmq(4_000));
    expect(t.capacityRatio).toEqual({ value: 0.5, capacity: 2_000, met: true });
    expect(t.sustainableOverCapacity).toEqual({ value: 0.75, met: true });
    expect(t.cpuPerBet).toEqual({ stepRate: 1_000, cpuMsPerBet: 0.5, bareJobCpuMs: 0.5, value: 1, met: true });

    const worse = targets(e2e(4_000, 1_000, 20_000), ramp(300, [e2e(500, 500, 10_000, { gateway: 20_000 })]), bullmq(4_000));
    expect(worse.capacityRatio?.met).toBe(false);
    expect(worse.sustainableOverCapacity).toEqual({ value: 0.3, met: false });
    expect(worse.cpuPerBet).toMatchObject({ cpuMsPerBet: 2, value: 4, met: false });
    const rows = performanceTargetRows(worse).map(([, v]) => v);
    expect(rows[0]).toMatch(/^MISSED \(0\.25: 1,000 outcomes\/s processed\)$/);
    expect(rows[2]).toMatch(/^MISSED \(4\.00: 2\.00 ms a bet at 500\/s, bare job 0\.500 ms/);
  });

  it('an e2e step that kept up gives a floor of capacity: met above the bound, else not judged; sustainable ÷ it only missed', () => {
    const t = targets(e2e(1_000, 990, 19_800), ramp(800, []), bullmq(4_000));
    expect(t.capacityRatio).toMatchObject({ value: 0.2475, met: null });
    expect(t.sustainableOverCapacity?.met).toBeNull(); // 0.81 of a floor: an upper bound
    expect(t.cpuPerBet).toBeNull();
    expect(performanceTargetRows(t)[0]![1]).toMatch(/^not judged/);
    // Kept up with 0.55 × bare BullMQ (what `all` offers): the capacity target is met by the floor alone.
    const kept = targets(e2e(2_200, 2_190, 43_800), ramp(500, []), bullmq(4_000));
    expect(kept.capacityRatio?.met).toBe(true);
    expect(kept.sustainableOverCapacity).toMatchObject({ met: false }); // 0.23 of a floor: lower still in truth
  });

  it('missing modes: nothing to judge', () => {
    expect(targets(undefined, undefined, bullmq(1_000))).toEqual({
      capacityRatio: null,
      sustainableOverCapacity: null,
      cpuPerBet: null,
    });
    expect(targets(e2e(1_000, 500, 1), undefined, undefined).capacityRatio).toBeNull();
    expect(performanceTargetRows(targets(undefined, undefined, undefined)).map(([, v]) => v)).toEqual(['—', '—', '—']);
  });
});

describe("issue 13's CPU figure at half of capacity", () => {
  it("uses `all`'s own step at half of capacity over the ramp's nearest step", () => {
    const half = e2e(1_000, 1_000, 20_000, { gateway: 6_000, postgres: 4_000 });
    const t = targets(e2e(4_000, 2_000, 40_000), ramp(300, [e2e(300, 300, 6_000, { gateway: 60_000 })]), bullmq(4_000), half);
    expect(t.cpuPerBet).toEqual({ stepRate: 1_000, cpuMsPerBet: 0.5, bareJobCpuMs: 0.5, value: 1, met: true });
    const fallback = targets(e2e(4_000, 2_000, 40_000), ramp(300, [e2e(300, 300, 6_000, { gateway: 60_000 })]), bullmq(4_000));
    expect(fallback.cpuPerBet).toMatchObject({ stepRate: 300, cpuMsPerBet: 10 });
  });
});
