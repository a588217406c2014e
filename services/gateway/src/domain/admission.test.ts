import { describe, expect, it } from 'vitest';
import { admission, retryAfterSeconds, type AdmissionLimits, type AdmissionSignals } from './admission.js';

const limits: AdmissionLimits = {
  maxInFlight: 100,
  maxBetsAwaitingMulti: 50,
  maxEventLoopLagMs: 200,
  maxLedgerOutstanding: 1_000,
  maxLedgerDelayMs: 500,
};
const idle: AdmissionSignals = { inFlight: 0, betsAwaitingMulti: 0, eventLoopLagMs: 0, ledgerOutstanding: 0, ledgerOldestMs: 0 };
const at = (s: Partial<AdmissionSignals>): AdmissionSignals => ({ ...idle, ...s });

describe('admission', () => {
  it('admits every kind below every limit', () => {
    const busy = at({ inFlight: 99, betsAwaitingMulti: 49, eventLoopLagMs: 199, ledgerOutstanding: 999, ledgerOldestMs: 499 });
    expect(admission(busy, limits, 'bet')).toEqual({ admit: true });
    expect(admission(busy, limits, 'other')).toEqual({ admit: true });
  });

  it("sheds every kind at the gateway's own limits (a limit is reached at its value)", () => {
    for (const kind of ['bet', 'other'] as const) {
      expect(admission(at({ inFlight: 100 }), limits, kind)).toEqual({ admit: false, reason: 'in_flight' });
      expect(admission(at({ eventLoopLagMs: 200 }), limits, kind)).toEqual({ admit: false, reason: 'event_loop_lag' });
    }
  });

  it("sheds bets only for the MULTI queue and the ledger's backlog and delay", () => {
    const cases: [Partial<AdmissionSignals>, string][] = [
      [{ betsAwaitingMulti: 50 }, 'bets_awaiting_multi'],
      [{ ledgerOutstanding: 1_000 }, 'ledger_backlog'],
      [{ ledgerOldestMs: 500 }, 'ledger_delay'],
    ];
    for (const [signals, reason] of cases) {
      expect(admission(at(signals), limits, 'bet')).toEqual({ admit: false, reason });
      expect(admission(at(signals), limits, 'other')).toEqual({ admit: true });
    }
  });

  it('names the first limit reached, the gateway before the ledger', () => {
    const everything = at({ inFlight: 500, betsAwaitingMulti: 500, eventLoopLagMs: 500, ledgerOutstanding: 5_000, ledgerOldestMs: 5_000 });
    expect(admission(everything, limits, 'bet')).toEqual({ admit: false, reason: 'in_flight' });
    expect(admission(at({ eventLoopLagMs: 300, ledgerOldestMs: 900 }), limits, 'bet')).toEqual({ admit: false, reason: 'event_loop_lag' });
  });

  it('a limit of 0 is off', () => {
    const off: AdmissionLimits = {
      maxInFlight: 0,
      maxBetsAwaitingMulti: 0,
      maxEventLoopLagMs: 0,
      maxLedgerOutstanding: 0,
      maxLedgerDelayMs: 0,
    };
    const huge = at({ inFlight: 1e6, betsAwaitingMulti: 1e6, eventLoopLagMs: 1e6, ledgerOutstanding: 1e6, ledgerOldestMs: 1e6 });
    expect(admission(huge, off, 'bet')).toEqual({ admit: true });
  });
});

describe('retryAfterSeconds', () => {
  it("is 1 s for the gateway's own load", () => {
    expect(retryAfterSeconds(at({ ledgerOldestMs: 9_000 }), 'in_flight')).toBe(1);
    expect(retryAfterSeconds(at({}), 'event_loop_lag')).toBe(1);
    expect(retryAfterSeconds(at({}), 'bets_awaiting_multi')).toBe(1);
  });

  it("is the ledger's delay rounded up, within 1 … 5 s, when the ledger is behind", () => {
    expect(retryAfterSeconds(at({ ledgerOldestMs: 0 }), 'ledger_backlog')).toBe(1);
    expect(retryAfterSeconds(at({ ledgerOldestMs: 600 }), 'ledger_delay')).toBe(1);
    expect(retryAfterSeconds(at({ ledgerOldestMs: 2_001 }), 'ledger_delay')).toBe(3);
    expect(retryAfterSeconds(at({ ledgerOldestMs: 60_000 }), 'ledger_backlog')).toBe(5);
  });
});
