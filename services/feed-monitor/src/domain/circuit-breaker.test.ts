import { describe, expect, it } from 'vitest';
import { INITIAL_BREAKER, evaluateBreaker, type BreakerState } from './circuit-breaker.js';

const T = { degradedMs: 3_000, criticalMs: 10_000, recoveryMs: 30_000 };
const at = (status: BreakerState['status'], healthySince: number | null = null): BreakerState => ({ status, healthySince });

/** A fake feed: ticks at the given times, the breaker evaluated every 500 ms and on each tick. */
function simulate(tickTimes: number[], until: number, start: BreakerState = at('HEALTHY')): { transitions: string[]; final: BreakerState } {
  let state = start;
  const transitions: string[] = [];
  let last: number | null = null;
  const ticks = [...tickTimes];
  for (let now = 0; now <= until; now += 500) {
    while (ticks.length && ticks[0]! <= now) {
      const tickAt = ticks.shift()!;
      // The gap the tick closes counts as an observed age (a break the 500 ms sampling could miss).
      if (last != null) state = step(state, tickAt - last, tickAt);
      last = tickAt;
      state = step(state, 0, tickAt);
    }
    state = step(state, last == null ? null : now - last, now);
  }
  return { transitions, final: state };

  function step(s: BreakerState, age: number | null, now: number): BreakerState {
    const next = evaluateBreaker(s, age, now, T);
    if (next.status !== s.status) transitions.push(next.status);
    return next;
  }
}

describe('circuit breaker: every cell of the SPEC 3 table', () => {
  it.each([
    ['HEALTHY', 0, 'HEALTHY'],
    ['HEALTHY', 3_000, 'HEALTHY'],
    ['HEALTHY', 3_001, 'DEGRADED'],
    ['HEALTHY', 10_000, 'DEGRADED'],
    ['HEALTHY', 10_001, 'CRITICAL'],
    ['DEGRADED', 3_000, 'HEALTHY'],
    ['DEGRADED', 3_001, 'DEGRADED'],
    ['DEGRADED', 10_000, 'DEGRADED'],
    ['DEGRADED', 10_001, 'CRITICAL'],
    ['CRITICAL', 3_001, 'CRITICAL'],
    ['CRITICAL', 10_000, 'CRITICAL'],
    ['CRITICAL', 10_001, 'CRITICAL'],
  ] as const)('%s with age %i → %s', (from, age, to) => {
    expect(evaluateBreaker(at(from), age, 50_000, T).status).toBe(to);
  });

  it('CRITICAL with fresh ticks starts recovery and stays CRITICAL for 30 s', () => {
    const s1 = evaluateBreaker(at('CRITICAL'), 100, 1_000, T);
    expect(s1).toEqual({ status: 'CRITICAL', healthySince: 1_000 });
    expect(evaluateBreaker(s1, 100, 31_000, T).status).toBe('CRITICAL'); // exactly 30 s: not > 30 s
    expect(evaluateBreaker(s1, 100, 31_001, T)).toEqual({ status: 'HEALTHY', healthySince: null });
  });

  it('a gap above 3 s restarts recovery', () => {
    const s1 = evaluateBreaker(at('CRITICAL'), 0, 0, T);
    const broken = evaluateBreaker(s1, 3_001, 20_000, T);
    expect(broken).toEqual({ status: 'CRITICAL', healthySince: null });
    const again = evaluateBreaker(broken, 0, 21_000, T);
    expect(evaluateBreaker(again, 0, 50_000, T).status).toBe('CRITICAL');
    expect(evaluateBreaker(again, 0, 51_001, T).status).toBe('HEALTHY');
  });

  it('a market with no tick yet is CRITICAL, and the initial state is CRITICAL', () => {
    expect(INITIAL_BREAKER.status).toBe('CRITICAL');
    expect(evaluateBreaker(at('HEALTHY'), null, 0, T).status).toBe('CRITICAL');
  });
});

describe('circuit breaker over time (fake clock)', () => {
  it("the seed's flapping feed (gaps 9 s, 11 s, 9 s) gives DEGRADED, CRITICAL, then stays CRITICAL", () => {
    const ticks = [0, 9_000, 20_000, 29_000];
    const { transitions, final } = simulate(ticks, 30_000);
    // 9 s: DEGRADED, then HEALTHY on the tick; 11 s: DEGRADED then CRITICAL; 9 s more: still CRITICAL.
    expect(transitions).toEqual(['DEGRADED', 'HEALTHY', 'DEGRADED', 'CRITICAL']);
    expect(final.status).toBe('CRITICAL');
  });

  it('recovers only after more than 30 s of steady ticks', () => {
    const steady = Array.from({ length: 100 }, (_, i) => 20_000 + i * 1_000);
    const { transitions } = simulate([0, ...steady], 60_000);
    expect(transitions).toEqual(['DEGRADED', 'CRITICAL', 'HEALTHY']);
    const late = simulate([0, ...steady], 50_000);
    expect(late.final.status).toBe('CRITICAL');
  });

  it('a 4 s gap during recovery restarts it', () => {
    const ticks = [
      0,
      ...Array.from({ length: 10 }, (_, i) => 20_000 + i * 1_000),
      ...Array.from({ length: 60 }, (_, i) => 33_000 + i * 1_000),
    ];
    const { final: at62 } = simulate(ticks, 62_000, at('CRITICAL'));
    expect(at62.status).toBe('CRITICAL');
    const { final: at64 } = simulate(ticks, 64_000, at('CRITICAL'));
    expect(at64.status).toBe('HEALTHY');
  });
});
