import { describe, expect, it } from 'vitest';
import { OutcomeTracker, type BetTraceRow } from './outcome-tracker.js';

describe('OutcomeTracker', () => {
  it('measures send → outcome and schedule → outcome, whichever of 202 and outcome comes first', () => {
    const t = new OutcomeTracker();
    t.onSent('a', 100, 101);
    t.onAnswer('a', 202, null, 103);
    t.onOutcome('a', 'bet:confirmed', undefined, 111);
    t.onSent('b', 110, 110);
    t.onOutcome('b', 'bet:rejected', 'insufficient_funds', 130);
    t.onAnswer('b', 202, null, 131);
    expect(t.confirmed).toBe(1);
    expect(t.rejectedByReason).toEqual({ insufficient_funds: 1 });
    expect(t.accepted202).toBe(2);
    expect(t.outstanding).toBe(0);
    expect(t.latency.percentileMs(100)).toBe(20);
    // 11 ms and 20 ms from schedule; the median is reported as the upper bound of its histogram bucket.
    expect(t.latencyFromSchedule.percentileMs(50)).toBeCloseTo(11, 1);
    expect(t.errors).toBe(0);
  });

  it('hands each bet with an outcome to the trace: wall-clock send time, answer and outcome latencies', () => {
    const rows: BetTraceRow[] = [];
    const t = new OutcomeTracker((row) => rows.push(row));
    t.onSent('a', 100, 101);
    t.onAnswer('a', 202, null, 104);
    t.onOutcome('a', 'bet:confirmed', undefined, 121);
    t.onSent('b', 110, 110);
    t.onOutcome('b', 'bet:rejected', 'insufficient_funds', 130);
    t.onSent('c', 120, 120);
    t.onAnswer('c', 503, 'overloaded', 125);
    t.onOutcome('a', 'bet:confirmed', undefined, 140); // a duplicate: not traced again
    expect(rows).toEqual([
      { sentAtMs: performance.timeOrigin + 101, httpMs: 3, outcomeMs: 20, type: 'bet:confirmed' },
      // Its outcome came before its 202: no answer latency yet.
      { sentAtMs: performance.timeOrigin + 110, httpMs: null, outcomeMs: 20, type: 'bet:rejected' },
    ]);
  });

  it('classifies non-202 answers, failures and 202s without an outcome', () => {
    const t = new OutcomeTracker();
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) t.onSent(id, 0, 0);
    t.onAnswer('a', 503, 'service_unavailable', 5);
    t.onAnswer('b', 422, 'cell_closed', 5);
    t.onFailure('c', 'timeout');
    t.onFailure('d', 'network');
    t.onAnswer('e', 202, null, 5);
    t.expire(20_000, 10_000);
    t.finish();
    expect(t.gatewayAnswers).toEqual({ '503 service_unavailable': 1, '422 cell_closed': 1 });
    expect({ http5xx: t.http5xx, timeouts: t.timeouts, network: t.network, noOutcome: t.noOutcome }).toEqual({
      http5xx: 1,
      timeouts: 2, // c, and f never answered
      network: 1,
      noOutcome: 1,
    });
    expect(t.errors).toBe(5);
  });

  it('counts an outcome it did not expect (a duplicate, or after a timeout)', () => {
    const t = new OutcomeTracker();
    t.onOutcome('zzz', 'bet:confirmed', undefined, 1);
    t.onSent('a', 0, 0);
    t.onOutcome('a', 'bet:confirmed', undefined, 1);
    t.onOutcome('a', 'bet:confirmed', undefined, 2);
    expect(t.unmatchedOutcomes).toBe(2);
    expect(t.confirmed).toBe(1);
  });
});
