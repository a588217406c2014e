import { describe, expect, it } from 'vitest';
import { DEFAULT_RAMP_POLICY, judgeStep, maxSustainableRate, rampRates, type StepOutcome } from './ramp-rule.js';

const good: StepOutcome = { offeredRate: 1_000, achievedRate: 998, p99Ms: 40, errors: 0, sendLagP99Ms: 2 };

describe('judgeStep', () => {
  it('accepts a step under the latency limit without errors', () => {
    expect(judgeStep(good)).toEqual({ sustainable: true, reasons: [], generatorLimited: false });
  });

  it('stops when p99 exceeds 100 ms (strictly)', () => {
    expect(judgeStep({ ...good, p99Ms: 100 }).sustainable).toBe(true);
    const v = judgeStep({ ...good, p99Ms: 100.5 });
    expect(v.sustainable).toBe(false);
    expect(v.reasons[0]).toMatch(/p99 100.5 ms > 100 ms/);
  });

  it('stops on the first error', () => {
    expect(judgeStep({ ...good, errors: 1 }).reasons).toEqual(['1 errors']);
  });

  it('stops when outcomes fall behind the offered rate', () => {
    expect(judgeStep({ ...good, achievedRate: 900 }).reasons[0]).toMatch(/achieved 900\/s < 95 %/);
  });

  it('stops with no outcome at all', () => {
    expect(judgeStep({ ...good, p99Ms: null }).sustainable).toBe(false);
  });

  it('flags a generator that could not keep its schedule', () => {
    const v = judgeStep({ ...good, sendLagP99Ms: DEFAULT_RAMP_POLICY.maxSendLagP99Ms + 1 });
    expect(v).toMatchObject({ sustainable: false, generatorLimited: true });
  });

  it('honours a custom policy', () => {
    expect(judgeStep({ ...good, p99Ms: 150 }, { ...DEFAULT_RAMP_POLICY, p99LimitMs: 200 }).sustainable).toBe(true);
  });
});

describe('rampRates / maxSustainableRate', () => {
  it('steps geometrically up to the maximum, in multiples of 10', () => {
    expect(rampRates(100, 1.5, 1_200)).toEqual([100, 150, 230, 340, 510, 760, 1_140]);
    expect(rampRates(500, 2, 2_000)).toEqual([500, 1_000, 2_000]);
    expect(() => rampRates(0, 1.5, 1_000)).toThrow();
    expect(() => rampRates(100, 1, 1_000)).toThrow();
  });

  it('takes the last sustainable step before the first failure', () => {
    const ok = { sustainable: true, reasons: [], generatorLimited: false };
    const bad = { sustainable: false, reasons: ['x'], generatorLimited: false };
    expect(
      maxSustainableRate([
        { offeredRate: 500, verdict: ok },
        { offeredRate: 1_000, verdict: ok },
        { offeredRate: 1_500, verdict: bad },
        { offeredRate: 2_000, verdict: ok },
      ]),
    ).toBe(1_000);
    expect(maxSustainableRate([{ offeredRate: 500, verdict: bad }])).toBeNull();
  });
});
