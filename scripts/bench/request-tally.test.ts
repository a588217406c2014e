import { describe, expect, it } from 'vitest';
import { RequestTally } from './request-tally.js';

describe('RequestTally', () => {
  it('times the expected answers and counts everything else as an error, by status and code', () => {
    const t = new RequestTally(201);
    for (let i = 0; i < 6; i++) t.onSent();
    expect(t.outstanding).toBe(6);
    t.onAnswer({ kind: 'answer', status: 201, code: null, at: 15 }, 0, 5);
    t.onAnswer({ kind: 'answer', status: 201, code: null, at: 30 }, 10, 10);
    t.onAnswer({ kind: 'answer', status: 429, code: 'rate_limited', at: 30 }, 10, 10);
    t.onAnswer({ kind: 'answer', status: 503, code: 'timeout', at: 30 }, 10, 10);
    t.onAnswer({ kind: 'timeout', message: 'late', at: 30 }, 10, 10);
    t.onAnswer({ kind: 'network', message: 'reset', at: 30 }, 10, 10);
    expect(t.outstanding).toBe(0);
    expect(t.ok).toBe(2);
    expect(t.otherAnswers).toEqual({ '429 rate_limited': 1, '503 timeout': 1 });
    expect([t.http5xx, t.unexpected, t.timeouts, t.network, t.errors]).toEqual([1, 1, 1, 1, 4]);
    expect(t.latency.count).toBe(2);
    expect(t.latency.maxMs).toBe(20);
    expect(t.latencyFromSchedule.maxMs).toBe(20);
    // 15 ms within the histogram's bucket width (< 1.6 %).
    expect(t.latencyFromSchedule.percentileMs(50)).toBeCloseTo(15, 0);
  });

  it('counts an unexpected success (200 where 201 was expected) as an error', () => {
    const t = new RequestTally(201);
    t.onSent();
    t.onAnswer({ kind: 'answer', status: 200, code: null, at: 1 }, 0, 0);
    expect(t.errors).toBe(1);
    expect(t.otherAnswers).toEqual({ '200 -': 1 });
  });
});
