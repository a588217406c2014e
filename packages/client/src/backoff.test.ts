import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const o = { baseMs: 100, maxMs: 1_000 };
  it('doubles per attempt up to the cap, between half and all of the nominal delay', () => {
    expect([0, 1, 2, 3, 4, 9].map((n) => backoffDelay(n, o, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 9].map((n) => backoffDelay(n, o, () => 1))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });
  it('uses Math.random by default', () => {
    const d = backoffDelay(0, o);
    expect(d).toBeGreaterThanOrEqual(50);
    expect(d).toBeLessThanOrEqual(100);
  });
});
