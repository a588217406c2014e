import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram.js';
import { judgeOverload, overloadStep } from './overload-targets.js';
import { progressLine } from './progress-reporter.js';
import { e2eStepRatio, fmtBytes, fmtMs, fmtNumber, formatAll, formatResult, ledgerCheck, ratio, renderTable } from './report-format.js';
import type { AllResult, BullmqResult, CpuFigures, E2eResult, LedgerResult, LoyaltyAccrualResult, LoyaltyResult } from './result-types.js';

const cpu: CpuFigures = {
  generator: { pid: 1, cpuMs: 12_000, percentOfCore: 40 },
  services: { gateway: { pid: 2, cpuMs: 30_000, percentOfCore: 100, restarts: 0 } },
  machineBusyPercent: 87.4,
  cores: 2,
};

function latency(...values: number[]) {
  const h = new Histogram();
  values.forEach((v) => h.recordMs(v));
  return h.summary();
}

const NO_TARGETS = { capacityRatio: null, sustainableOverCapacity: null, cpuPerBet: null };

const e2e: E2eResult = {
  mode: 'e2e',
  offeredRate: 1_500,
  durationS: 60,
  players: 200,
  gatewayProcesses: 1,
  ledgerProcesses: 1,
  connections: 64,
  telemetry: false,
  planned: 90_000,
  sent: 90_000,
  sentRate: 1_499.9,
  achievedRate: 1_480.2,
  processedRate: 1_490,
  accepted202: 89_990,
  confirmed: 89_980,
  rejectedByReason: { insufficient_funds: 10 },
  gatewayAnswers: { '503 service_unavailable': 10 },
  errors: { http5xx: 10, timeouts: 0, network: 0, noOutcome: 0, total: 10 },
  unmatchedOutcomes: 0,
  socketSeqGaps: 0,
  socketsClosed: 0,
  latencyMs: latency(5, 6, 7, 250),
  latencyFromScheduleMs: latency(5, 6, 7, 251),
  httpLatencyMs: latency(1, 2),
  shedLatencyMs: latency(0, 0),
  sendLagMs: latency(0.1, 0.2),
  cpu,
  idleCpu: { ...cpu, services: { gateway: { pid: 2, cpuMs: 100, percentOfCore: 2 } } },
  nonceStore: { nonces: 135_000, buckets: 12, bytes: 8_100_000, bytesPerNonce: 60, at3000PerSecBytes: 21_600_000, method: 'SCAN MATCH' },
  ledgerBatches: { batches: 900, meanBetsPerBatch: 100, meanBatchMs: 12.5 },
  generatorNice: -5,
  otlp: null,
};

describe('formatting helpers', () => {
  it('formats numbers, durations and sizes', () => {
    expect(fmtNumber(1234567)).toBe('1,234,567');
    expect(fmtNumber(1.236, 2)).toBe('1.24');
    expect(fmtNumber(null)).toBe('—');
    expect(fmtNumber(Infinity)).toBe('—');
    expect(fmtMs(3.14159)).toBe('3.14 ms');
    expect(fmtMs(42.25)).toBe('42.3 ms');
    expect(fmtMs(2_500)).toBe('2.50 s');
    expect(fmtMs(null)).toBe('—');
    expect(fmtBytes(512)).toBe('512 B');
    expect(fmtBytes(2048)).toBe('2.0 KiB');
    expect(fmtBytes(16_200_000)).toBe('15.4 MiB');
  });

  it('aligns a two-column table under its title', () => {
    expect(
      renderTable('t', [
        ['a', '1'],
        ['long label', '2'],
      ]),
    ).toBe(['t', '─'.repeat(15), '  a           1', '  long label  2', ''].join('\n'));
  });

  it('computes ratios, null when a side is missing or zero', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(null, 2)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
  });
});

describe('formatResult', () => {
  it('shows every required e2e figure', () => {
    const text = formatResult(e2e);
    expect(text).toMatch(/^e2e — 1,500 bets\/s/);
    expect(text).toContain('offered rate');
    expect(text).toMatch(/achieved rate\s+1,480 outcomes\/s/);
    expect(text).toMatch(/confirmed\s+89,980/);
    expect(text).toMatch(/processed rate\s+1,490 outcomes\/s/);
    expect(text).toContain('insufficient_funds: 10');
    expect(text).toContain('5xx 10, timeouts 0, network 0, 202 without outcome 0');
    expect(text).toContain('p99 250.0 ms');
    expect(text).toContain('135,000 nonces in 12 sets: 7.7 MiB, 60 B a nonce → 20.6 MiB at 3,000 req/s (SCAN MATCH)');
    expect(text).toMatch(/generator CPU\s+40 % of a core/);
    expect(text).toMatch(/CPU gateway\s+100 % of a core/);
    expect(text).toMatch(/machine busy\s+87 % of 2 cores/);
    expect(text).toContain('900 · 100.0 bets/batch · 12.5 ms each (mean)');
    expect(text).toContain('(generator at nice -5)');
    expect(text).toMatch(/idle CPU \(no load\)\s+gateway 2 %/);
  });

  it("the e2e step's ratio to bare BullMQ is the capacity ratio only when the platform fell short of a rate the generator sent", () => {
    const bullmq = { mode: 'bullmq', jobsPerSec: 2_000 } as BullmqResult;
    const step = (processedRate: number, over: Partial<E2eResult> = {}) =>
      ({ mode: 'e2e', offeredRate: 1_000, sentRate: 1_000, sendLagMs: { p99: 2 }, processedRate, ...over }) as E2eResult;
    expect(e2eStepRatio(step(600), bullmq)).toEqual({ ratio: 0.3, overloaded: true, generatorLimited: false });
    // Timed-out requests that still got their outcomes count: the platform processed them, at the offered rate.
    expect(e2eStepRatio(step(990, { achievedRate: 900 }), bullmq)).toEqual({ ratio: 0.495, overloaded: false, generatorLimited: false });
    expect(e2eStepRatio(step(600, { sentRate: 700 }), bullmq)).toMatchObject({ generatorLimited: true });
    // A late send is latency, not load: the platform still got the offered rate.
    expect(e2eStepRatio(step(600, { sendLagMs: { p99: 45 } as E2eResult['sendLagMs'] }), bullmq)).toMatchObject({
      overloaded: true,
      generatorLimited: false,
    });
    expect(e2eStepRatio(step(600), undefined)).toBeNull();
    expect(e2eStepRatio(undefined, bullmq)).toBeNull();
    const line = (s: NonNullable<AllResult['ratios']['e2eStepOverBullmq']>) =>
      formatAll({
        mode: 'all',
        results: [],
        ratios: { e2eMaxOverBullmq: null, ledgerOverBaseline: null, e2eStepOverBullmq: s },
        targets: NO_TARGETS,
      });
    expect(line({ ratio: 0.48, overloaded: false, generatorLimited: false })).toMatch(/≥ 48.0 % \(step not overloaded: a floor\)/);
    expect(line({ ratio: 0.3, overloaded: true, generatorLimited: true })).toMatch(/≥ 30.0 % \(generator-limited: a floor\)/);
  });

  it('formats ledger runs and the ratios of `all`', () => {
    const ledger: LedgerResult = {
      mode: 'ledger',
      bets: 30_000,
      players: 200,
      concurrency: 256,
      poolSize: 10,
      confirmed: 30_000,
      rejected: 0,
      rowsInBets: 30_000,
      betsPerSec: 6_000,
      betsPerSecFromSpawn: 3_000,
      prefillSeconds: 4.2,
      bootToFirstOutcomeMs: 2_100,
      drainSeconds: 5,
      ledgerBatches: null,
      cpu,
    };
    expect(formatResult(ledger)).toMatch(/throughput\s+6,000 bets\/s/);
    const all = formatAll({
      mode: 'all',
      results: [ledger, { ...ledger, mode: 'baseline-ledger', betsPerSec: 1_500 }],
      ratios: {
        e2eMaxOverBullmq: 0.125,
        ledgerOverBaseline: 4,
        e2eStepOverBullmq: { ratio: 0.27, overloaded: true, generatorLimited: false },
      },
      targets: NO_TARGETS,
    });
    expect(all).toMatch(/e2e step outcomes ÷ bullmq\s+27.0 % \(step overloaded: the capacity ratio\)/);
    expect(
      formatAll({
        mode: 'all',
        results: [],
        ratios: { e2eMaxOverBullmq: null, ledgerOverBaseline: null, e2eStepOverBullmq: null },
        targets: NO_TARGETS,
      }),
    ).toMatch(/e2e step outcomes ÷ bullmq\s+—/);
    expect(all).toContain('baseline: one transaction per bet');
    expect(all).toMatch(/max sustainable e2e ÷ bullmq\s+12.5 %/);
    expect(all).toMatch(/ledger ÷ baseline-ledger\s+4.00 ×/);
  });
});

describe('progressLine', () => {
  const snap = {
    label: 'e2e',
    elapsedMs: 30_000,
    totalMs: 60_000,
    sent: 45_000,
    outcomes: 44_900,
    errors: 0,
    p99Ms: 42.4,
    sendLagP99Ms: 0.5,
  };
  it('draws a bar on a terminal', () => {
    expect(progressLine(snap, true)).toBe('e2e [############............]  50% sent 45000 outcomes 44900 errors 0 p99 42ms lag p99 0.5ms');
  });
  it('fills the bar with outcomes for count-based runs', () => {
    expect(progressLine({ ...snap, totalMs: 0, sent: 100, outcomes: 25 }, true)).toMatch(/^e2e \[######\.{18}\] {2}25%/);
    expect(progressLine({ ...snap, totalMs: 0 }, false)).toMatch(/^e2e 30 s sent/);
  });
  it('writes plain elapsed seconds otherwise', () => {
    expect(progressLine({ ...snap, p99Ms: null }, false)).toBe('e2e 30/60 s sent 45000 outcomes 44900 errors 0 p99 — lag p99 0.5ms');
  });
});

describe('ledgerCheck (loyalty rewards)', () => {
  it('wants an entry for every 201, and allows entries for awards whose request gave up', () => {
    expect(ledgerCheck(10, 10, 12)).toMatch(/: ok$/);
    expect(ledgerCheck(11, 10, 12)).toMatch(/ok, 1 applied after their request gave up/);
    expect(ledgerCheck(9, 10, 12)).toMatch(/MISMATCH/);
    expect(ledgerCheck(13, 10, 12)).toMatch(/MISMATCH/);
  });
});

describe('the loyalty table', () => {
  const accrual: LoyaltyAccrualResult = {
    consumer: 'loyalty',
    plays: 100_000,
    playsPerJob: 1_000,
    jobs: 100,
    players: 1_000,
    stake: 10,
    concurrency: 256,
    poolSize: 10,
    playsPerSec: 14_146.6,
    firstCommitPlays: 5_000,
    playsPerSecFromSpawn: 9_717,
    drainSeconds: 6.72,
    bootToFirstCommitMs: 3_575,
    prefillSeconds: 0.8,
    effects: { counted: 100_000, voided: 0, ignored: 0 },
    db: { slipPlays: 100_000, slips: 1_000, openSlips: 1_000, betCount: 100_000, wagered: 1_000_000, consistent: true },
    batches: { batches: 20, meanPlaysPerBatch: 5_000, meanBatchMs: 788.7 },
    pollIntervalMs: 50,
    cpu,
  };
  const baseline: LoyaltyAccrualResult = {
    ...accrual,
    consumer: 'baseline',
    playsPerJob: 1,
    jobs: 100_000,
    playsPerSec: 462.7,
    batches: null,
  };
  const load = (target: string, expectedStatus: number, p99: number) => ({
    target,
    offeredRate: 200,
    durationS: 60,
    planned: 12_000,
    sent: 12_000,
    sentRate: 200,
    expectedStatus,
    ok: 12_000,
    otherAnswers: {},
    errors: { http5xx: 0, unexpected: 0, timeouts: 0, network: 0, total: 0 },
    latencyMs: latency(1, 2, p99),
    latencyFromScheduleMs: latency(1, 2, p99),
    sendLagMs: latency(0.1),
  });
  const result: LoyaltyResult = {
    mode: 'loyalty',
    accrual,
    baseline,
    accrualOverBaseline: 30.57,
    rewards: {
      players: 100,
      staff: 1_500,
      warmUpStaff: 125,
      rewardLimit: '10 per staff member per 60 s (default, unchanged)',
      connections: 64,
      warmUpS: 10,
      rewards: load('POST /v1/loyalty/rewards', 201, 30),
      yardstick: load('GET /v1/time', 200, 5),
      p99OverYardstick: 6,
      manualEntries: 13_000,
      awarded201: 13_000,
      awardsSent: 13_000,
      cpu,
      cpuMsPerAward: { gateway: 2.5 },
      generatorNice: -5,
    },
    rewardsError: null,
    targets: { accrualOverBaseline: true, accrualPlaysPerSec: true, rewardP99: false },
  };

  it('shows each figure with its yardstick and the targets', () => {
    const text = formatResult(result);
    expect(text).toContain('accrual (group commit)');
    expect(text).toMatch(/accrual ÷ baseline\s+30\.57 ×/);
    expect(text).toContain('after the first commit of 5,000');
    expect(text).toMatch(/bare HTTP GET \/v1\/time/);
    expect(text).toMatch(/accrual ≥ 5,000 plays\/s\s+met/);
    expect(text).toMatch(/award p99 ≤ 20 ms at 200\/s, no error\s+MISSED/);
    expect(text).toMatch(/ledger check.*: ok/);
  });

  it('says why the reward half is missing, and a single-batch accrual has no window', () => {
    const text = formatResult({
      ...result,
      accrual: { ...accrual, playsPerSec: null },
      accrualOverBaseline: null,
      rewards: null,
      rewardsError: 'no award succeeded in the warm-up',
      targets: { accrualOverBaseline: null, accrualPlaysPerSec: null, rewardP99: null },
    });
    expect(text).toContain('no award succeeded in the warm-up');
    expect(text).toContain('one poll saw all 100,000 plays committed');
    expect(text).toMatch(/accrual ≥ 5,000 plays\/s\s+not judged/);
  });
});

describe('overload mode (issue 15)', () => {
  const step = (factor: number, accepted: number, p99: number, answers: Record<string, number>, noOutcome = 0) =>
    overloadStep(
      factor,
      {
        ...e2e,
        offeredRate: factor * 1_000,
        durationS: 10,
        sent: factor * 10_000,
        sentRate: factor * 1_000,
        accepted202: accepted,
        gatewayAnswers: answers,
        latencyMs: latency(p99 / 2, p99),
        shedLatencyMs: latency(1, 3),
        errors: { ...e2e.errors, noOutcome },
      },
      { in_flight: 5, ledger_delay: answers['503 overloaded'] ?? 0 },
    );

  it('derives accepted/s over the seconds of sending, the share shed and stale timestamps', () => {
    const s = step(2, 9_500, 40, { '503 overloaded': 10_000, '401 stale_timestamp': 500 });
    expect(s.acceptedPerSec).toBeCloseTo(950);
    expect(s.shedShare).toBeCloseTo(10_000 / 20_000);
    expect(s.staleTimestamps).toBe(500);
  });

  it('judges accepted/s against 0.9 × capacity and p99 against 3 × the 70 % step', () => {
    const steps = [
      step(0.7, 7_000, 20, {}),
      step(2, 9_500, 60, { '503 overloaded': 10_500 }),
      step(4, 8_000, 61, { '503 overloaded': 32_000 }),
    ];
    expect(judgeOverload(1_000, steps)).toEqual({
      acceptedAt2x: true,
      acceptedAt4x: false,
      p99At2x: true,
      p99At4x: false,
      noStale: true,
      noLostOutcome: true,
    });
    const bad = [step(0.7, 7_000, 20, {}), step(2, 9_500, 30, { '401 stale_timestamp': 1 }, 2)];
    expect(judgeOverload(1_000, bad)).toMatchObject({ acceptedAt4x: null, p99At4x: null, noStale: false, noLostOutcome: false });
  });

  it('prints every step, the targets and the yardsticks', () => {
    const steps = [
      step(0.7, 7_000, 20, {}),
      step(2, 9_500, 60, { '503 overloaded': 10_500 }),
      step(4, 9_200, 50, { '503 overloaded': 30_800 }),
    ];
    const text = formatResult({
      mode: 'overload',
      stepDurationS: 10,
      capacityStep: { ...e2e, offeredRate: 4_000 },
      capacityConnections: 64,
      capacityShedByReason: {},
      capacity: 1_000,
      steps,
      targets: judgeOverload(1_000, steps),
      bareHttp: null,
      bullmq: {
        mode: 'bullmq',
        jobs: 30_000,
        producerConcurrency: 256,
        workerConcurrency: 256,
        jobsPerSec: 8_000,
        addPerSec: 9_000,
        seconds: 3.75,
        cpu,
      },
    });
    expect(text).toContain('overload — 4 × capacity: 4,000 bets/s');
    expect(text).toMatch(/accepted\/s at 4× ≥ 0.9 × capacity +met \(920\/s vs 900\/s\)/);
    expect(text).toContain('capacity ÷ bullmq 12.5 %');
    expect(text).toContain('in_flight: 5');
  });
});
