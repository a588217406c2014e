/**
 * The human report (stdout): one aligned two-column table per mode. Pure functions of the result objects, so the
 * same figures end up in the table and in the JSON file.
 */
import type { LatencySummary } from './histogram.js';
import { CAPACITY_RATIO_MIN, CPU_PER_BET_OVER_BARE_JOB_MAX, SUSTAINABLE_OVER_CAPACITY_MIN } from './performance-targets.js';
import { DEFAULT_RAMP_POLICY } from './ramp-rule.js';
import type {
  AllResult,
  PerformanceTargets,
  ArchiveResult,
  BullmqResult,
  CpuFigures,
  E2eResult,
  LedgerBatches,
  LedgerResult,
  LoyaltyAccrualResult,
  LoyaltyResult,
  ModeResult,
  OverloadResult,
  RampResult,
  SettlementModeResult,
} from './result-types.js';

export type Row = [label: string, value: string];

export function fmtNumber(n: number | null | undefined, decimals = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function fmtMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function fmtBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

export const fmtLatency = (s: LatencySummary): string =>
  `p50 ${fmtMs(s.p50)} · p95 ${fmtMs(s.p95)} · p99 ${fmtMs(s.p99)} · max ${fmtMs(s.max)}`;

const fmtCounts = (counts: Record<string, number>): string =>
  Object.keys(counts).length === 0
    ? '0'
    : Object.entries(counts)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k}: ${fmtNumber(v)}`)
        .join(', ');

/** A titled, aligned two-column table. */
export function renderTable(title: string, rows: Row[]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  const rule = '─'.repeat(Math.max(title.length, ...lines.map((l) => l.length)));
  return [title, rule, ...lines, ''].join('\n');
}

function cpuRows(cpu: CpuFigures): Row[] {
  const rows: Row[] = [
    ['generator CPU', `${fmtNumber(cpu.generator.percentOfCore, 0)} % of a core (${fmtNumber(cpu.generator.cpuMs)} ms)`],
  ];
  for (const [name, c] of Object.entries(cpu.services)) {
    const restarts = c.restarts ? ` — restarted ${c.restarts}×` : '';
    rows.push([`CPU ${name}`, `${fmtNumber(c.percentOfCore, 0)} % of a core (${fmtNumber(c.cpuMs)} ms)${restarts}`]);
  }
  rows.push(['machine busy', cpu.machineBusyPercent === null ? '—' : `${fmtNumber(cpu.machineBusyPercent, 0)} % of ${cpu.cores} cores`]);
  return rows;
}

function batchRows(b: LedgerBatches | null): Row[] {
  if (!b) return [];
  return [
    ['ledger batches', `${fmtNumber(b.batches)} · ${fmtNumber(b.meanBetsPerBatch, 1)} bets/batch · ${fmtMs(b.meanBatchMs)} each (mean)`],
  ];
}

export function e2eRows(r: E2eResult): Row[] {
  const rows: Row[] = [
    ['offered rate', `${fmtNumber(r.offeredRate)} bets/s for ${fmtNumber(r.durationS)} s (${fmtNumber(r.planned)} planned)`],
    ['sent', `${fmtNumber(r.sent)} (${fmtNumber(r.sentRate, 0)}/s)`],
    ['achieved rate', `${fmtNumber(r.achievedRate, 0)} outcomes/s`],
    ['processed rate', `${fmtNumber(r.processedRate, 0)} outcomes/s incl. those of timed-out requests`],
    ['accepted (202)', fmtNumber(r.accepted202)],
    ['confirmed', fmtNumber(r.confirmed)],
    ['rejected (ledger)', fmtCounts(r.rejectedByReason)],
    ['other HTTP answers', fmtCounts(r.gatewayAnswers)],
    [
      'errors',
      `${fmtNumber(r.errors.total)} (5xx ${r.errors.http5xx}, timeouts ${r.errors.timeouts}, network ${r.errors.network}, 202 without outcome ${r.errors.noOutcome})`,
    ],
    ['latency send→outcome', fmtLatency(r.latencyMs)],
    ['latency schedule→outcome', fmtLatency(r.latencyFromScheduleMs)],
    ['latency send→202', fmtLatency(r.httpLatencyMs)],
    ...(r.shedLatencyMs.count > 0 ? ([['latency send→503 overloaded', fmtLatency(r.shedLatencyMs)]] as Row[]) : []),
    ['send lag', `${fmtLatency(r.sendLagMs)}${r.generatorNice !== null ? ` (generator at nice ${r.generatorNice})` : ''}`],
    ['players / connections', `${r.players} sockets / ${r.connections} HTTP keep-alive`],
    ['gateway processes', r.gatewayProcesses > 1 ? `${r.gatewayProcesses} (node:cluster workers behind one port)` : '1'],
    ['bet-ledger processes', r.ledgerProcesses > 1 ? `${r.ledgerProcesses} (replicas on the one queue; CPU per process below)` : '1'],
    [
      'telemetry',
      r.telemetry ? `on (1 % sampled; OTLP ${fmtNumber(r.otlp?.requests ?? 0)} posts, ${fmtBytes(r.otlp?.bytes ?? 0)})` : 'off',
    ],
  ];
  if (r.unmatchedOutcomes || r.socketSeqGaps || r.socketsClosed) {
    rows.push(['socket anomalies', `unmatched ${r.unmatchedOutcomes}, seq gaps ${r.socketSeqGaps}, closed ${r.socketsClosed}`]);
  }
  if (r.nonceStore) {
    const n = r.nonceStore;
    rows.push([
      'nonce store (Redis)',
      `${fmtNumber(n.nonces)} nonces in ${n.buckets} sets: ${fmtBytes(n.bytes)}, ${fmtNumber(n.bytesPerNonce, 0)} B a nonce → ` +
        `${fmtBytes(n.at3000PerSecBytes)} at 3,000 req/s (${n.method})`,
    ]);
  }
  const idle: Row[] = r.idleCpu
    ? [
        [
          'idle CPU (no load)',
          Object.entries(r.idleCpu.services)
            .map(([name, c]) => `${name} ${fmtNumber(c.percentOfCore, 0)} %`)
            .join(', '),
        ],
      ]
    : [];
  return [...rows, ...batchRows(r.ledgerBatches), ...cpuRows(r.cpu), ...idle];
}

function rampTable(r: RampResult): string {
  const rows: Row[] = r.steps.map((s) => [
    `${fmtNumber(s.result.offeredRate)}/s`,
    `achieved ${fmtNumber(s.result.achievedRate, 0)}/s · p99 ${fmtMs(s.result.latencyMs.p99)} · errors ${s.result.errors.total} · lag p99 ${fmtMs(
      s.result.sendLagMs.p99,
    )} · gen CPU ${fmtNumber(s.result.cpu.generator.percentOfCore, 0)} % · ${s.sustainable ? 'ok' : `STOP: ${s.reasons.join('; ')}`}`,
  ]);
  rows.push([
    'max sustainable',
    r.maxSustainableRate === null ? 'none (the first step failed)' : `${fmtNumber(r.maxSustainableRate)} bets/s`,
  ]);
  rows.push(['stopped because', r.stoppedBecause]);
  return renderTable(`ramp (steps of ${r.stepDurationS} s; stop at p99 > 100 ms or any error)`, rows);
}

function ledgerTable(r: LedgerResult): string {
  const rows: Row[] = [
    [
      'bets',
      `${fmtNumber(r.bets)} over ${fmtNumber(r.players)} wallets (confirmed ${fmtNumber(r.confirmed)}, rejected ${fmtNumber(r.rejected)})`,
    ],
    ['rows in bets', fmtNumber(r.rowsInBets)],
    ['throughput', `${fmtNumber(r.betsPerSec, 0)} bets/s (first → last outcome, ${fmtNumber(r.drainSeconds, 2)} s)`],
    ['throughput incl. boot', `${fmtNumber(r.betsPerSecFromSpawn, 0)} bets/s (spawn → last outcome)`],
    ['boot → first outcome', fmtMs(r.bootToFirstOutcomeMs)],
    ['pre-fill', `${fmtNumber(r.prefillSeconds, 1)} s`],
    ['concurrency / pool', `${r.concurrency} / ${r.poolSize}`],
    ...batchRows(r.ledgerBatches),
    ...cpuRows(r.cpu),
  ];
  const what = r.mode === 'ledger' ? 'bet-ledger (batched)' : 'baseline: one transaction per bet';
  return renderTable(`${r.mode} — ${what}`, rows);
}

function bullmqTable(r: BullmqResult): string {
  return renderTable('bullmq — bare add → no-op process', [
    ['jobs', fmtNumber(r.jobs)],
    ['throughput', `${fmtNumber(r.jobsPerSec, 0)} jobs/s (first add → last completion, ${fmtNumber(r.seconds, 2)} s)`],
    ['add rate', `${fmtNumber(r.addPerSec, 0)} adds/s`],
    ['producer / worker concurrency', `${r.producerConcurrency} / ${r.workerConcurrency}`],
    ...cpuRows(r.cpu),
  ]);
}

export function formatResult(r: ModeResult): string {
  switch (r.mode) {
    case 'e2e':
      return renderTable(`e2e — ${fmtNumber(r.offeredRate)} bets/s`, e2eRows(r));
    case 'ramp':
      return rampTable(r);
    case 'ledger':
    case 'baseline-ledger':
      return ledgerTable(r);
    case 'bullmq':
      return bullmqTable(r);
    case 'settlement':
      return settlementLines(r);
    case 'loyalty':
      return loyaltyTables(r);
    case 'overload':
      return overloadTables(r);
    case 'archive':
      return archiveTables(r);
  }
}

export const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;

/**
 * The e2e step's processed outcomes/s ÷ bare BullMQ jobs/s. When the platform processed less than 95 % of the offered
 * rate (the ramp's rule) while the generator did send it, the step was overloaded and its outcome rate is the
 * platform's capacity: no latency bound can give a higher ratio. Otherwise the ratio is a floor. (Send lag is not
 * checked here: a late send delays a bet, which matters to latency, not to how many the platform processes.)
 */
export function e2eStepRatio(e2e: E2eResult | undefined, bullmq: BullmqResult | undefined): AllResult['ratios']['e2eStepOverBullmq'] {
  // Processed, not achieved: an overloaded step's outcomes for requests the generator had given up on are throughput too.
  const r = ratio(e2e?.processedRate, bullmq?.jobsPerSec);
  if (r === null || !e2e) return null;
  const enough = e2e.offeredRate * DEFAULT_RAMP_POLICY.minAchievedRatio;
  return { ratio: r, overloaded: e2e.processedRate < enough, generatorLimited: e2e.sentRate < enough };
}

function fmtStepRatio(s: AllResult['ratios']['e2eStepOverBullmq']): string {
  if (s === null) return '—';
  const pct = `${fmtNumber(s.ratio * 100, 1)} %`;
  if (s.generatorLimited) return `≥ ${pct} (generator-limited: a floor)`;
  return s.overloaded ? `${pct} (step overloaded: the capacity ratio)` : `≥ ${pct} (step not overloaded: a floor)`;
}

export function formatAll(r: AllResult): string {
  const parts = r.results.map(formatResult);
  if (r.halfCapacity) parts.push(formatResult(r.halfCapacity));
  parts.push(
    renderTable('ratios', [
      ['max sustainable e2e ÷ bullmq', r.ratios.e2eMaxOverBullmq === null ? '—' : `${fmtNumber(r.ratios.e2eMaxOverBullmq * 100, 1)} %`],
      ['e2e step outcomes ÷ bullmq', fmtStepRatio(r.ratios.e2eStepOverBullmq)],
      ['ledger ÷ baseline-ledger', r.ratios.ledgerOverBaseline === null ? '—' : `${fmtNumber(r.ratios.ledgerOverBaseline, 2)} ×`],
    ]),
    renderTable('targets (issue 13)', performanceTargetRows(r.targets)),
  );
  return parts.join('\n');
}

export function performanceTargetRows(t: PerformanceTargets): Row[] {
  const judged = (met: boolean | null) => (met === null ? 'not judged: the e2e step was not overloaded' : fmtTarget(met));
  const c = t.capacityRatio;
  const s = t.sustainableOverCapacity;
  const p = t.cpuPerBet;
  return [
    [
      `capacity ÷ bullmq ≥ ${CAPACITY_RATIO_MIN}`,
      c ? `${judged(c.met)} (${fmtNumber(c.value, 2)}: ${fmtNumber(c.capacity, 0)} outcomes/s processed)` : '—',
    ],
    [`max sustainable ÷ capacity ≥ ${SUSTAINABLE_OVER_CAPACITY_MIN}`, s ? `${judged(s.met)} (${fmtNumber(s.value, 2)})` : '—'],
    [
      `CPU a bet at ½ capacity ÷ bare job ≤ ${CPU_PER_BET_OVER_BARE_JOB_MAX}`,
      p
        ? `${fmtTarget(p.met)} (${fmtNumber(p.value, 2)}: ${fmtNumber(p.cpuMsPerBet, 2)} ms a bet at ${fmtNumber(p.stepRate)}/s, ` +
          `bare job ${fmtNumber(p.bareJobCpuMs, 3)} ms of machine time)`
        : '—',
    ],
  ];
}

function settlementLines({ settlement: s, ticks: t }: SettlementModeResult): string {
  const f = (n: number | null, d = 0) => (n == null ? 'n/a' : n.toFixed(d));
  return [
    `settlement  ${s.bets} bets, ${s.players} players, chunk ${s.chunkSize}: ${f(s.seconds, 2)} s from job add to the last bet:settled → ${f(s.betsPerSec)} bets/s`,
    `            CPU: bet-ledger ${f(s.ledgerCpuMs)} ms, Postgres ${f(s.postgresCpuMs)} ms`,
    `ticks       ${t.ticks} admin tick jobs: ${f(t.seconds, 2)} s → ${f(t.ticksPerSec)} ticks/s; feed-monitor CPU ${f(t.feedMonitorCpuMs)} ms (${f(t.cpuMsPerTick, 3)} ms per tick)`,
  ].join('\n');
}

const fmtTarget = (met: boolean | null): string => (met === null ? 'not judged' : met ? 'met' : 'MISSED');

function accrualRows(name: string, a: LoyaltyAccrualResult): Row[] {
  const db = a.db;
  const rows: Row[] = [
    [
      `${name} throughput`,
      a.playsPerSec === null
        ? `— (one poll saw all ${fmtNumber(a.plays)} plays committed: no window; see incl. boot)`
        : `${fmtNumber(a.playsPerSec, 0)} plays/s (after the first commit of ${fmtNumber(a.firstCommitPlays)}: ` +
          `${fmtNumber(a.drainSeconds, 2)} s to the last, ±${a.pollIntervalMs / 2} ms each end)`,
    ],
    [
      `${name} incl. boot`,
      `${fmtNumber(a.playsPerSecFromSpawn, 0)} plays/s (spawn → last commit; boot → first ${fmtMs(a.bootToFirstCommitMs)})`,
    ],
    [
      `${name} input`,
      `${fmtNumber(a.plays)} plays, ${fmtNumber(a.playsPerJob)} a job (${fmtNumber(a.jobs)} jobs, queued in ${fmtNumber(a.prefillSeconds, 1)} s)`,
    ],
    [
      `${name} tables`,
      `${db.consistent ? 'ok' : 'MISMATCH'}: ${fmtNumber(db.slipPlays)} slip plays, ${fmtNumber(db.openSlips)} open slips of ${fmtNumber(db.slips)}, ` +
        `${fmtNumber(db.betCount)} bets / ${fmtNumber(db.wagered)} wagered in slips (counter: ${fmtNumber(a.effects.counted)} counted, ` +
        `${fmtNumber(a.effects.ignored)} ignored)`,
    ],
  ];
  if (a.batches) {
    rows.push([
      `${name} batches`,
      `${fmtNumber(a.batches.batches)} · ${fmtNumber(a.batches.meanPlaysPerBatch, 0)} plays/batch · ${fmtMs(a.batches.meanBatchMs)} each (mean)`,
    ]);
  }
  // CPU is measured over the throughput window: the plays committed after the first commit.
  const windowPlays = Math.max(1, a.plays - a.firstCommitPlays);
  for (const [proc, c] of Object.entries(a.cpu.services)) {
    rows.push([
      `${name} CPU ${proc}`,
      `${fmtNumber(c.percentOfCore, 0)} % of a core (${fmtNumber(c.cpuMs)} ms; ${fmtNumber((c.cpuMs * 1000) / windowPlays, 1)} µs a play)`,
    ]);
  }
  rows.push([`${name} CPU bench (poller)`, `${fmtNumber(a.cpu.generator.percentOfCore, 0)} % of a core`]);
  rows.push([
    `${name} machine busy`,
    a.cpu.machineBusyPercent === null ? '—' : `${fmtNumber(a.cpu.machineBusyPercent, 0)} % of ${a.cpu.cores} cores`,
  ]);
  return rows;
}

/** Every 201 must have its manual entry; an award whose request timed out may have one too (applied late). */
export function ledgerCheck(entries: number, answered201: number, sent: number): string {
  const head = `${fmtNumber(entries)} manual entries for ${fmtNumber(answered201)} × 201 of ${fmtNumber(sent)} sent (warm-up included)`;
  if (entries < answered201 || entries > sent) return `${head}: MISMATCH`;
  if (entries === answered201) return `${head}: ok`;
  return `${head}: ok, ${fmtNumber(entries - answered201)} applied after their request gave up`;
}

function loyaltyTables(r: LoyaltyResult): string {
  const a = r.accrual;
  const parts = [
    renderTable(
      `loyalty — accrual of ${fmtNumber(a.plays)} plays over ${fmtNumber(a.players)} players (concurrency ${a.concurrency}, pool ${a.poolSize})`,
      [
        ['accrual (group commit)', `${fmtNumber(a.playsPerSec, 0)} plays/s`],
        ['baseline (1 tx a play)', `${fmtNumber(r.baseline.playsPerSec, 0)} plays/s`],
        ['accrual ÷ baseline', r.accrualOverBaseline === null ? '—' : `${fmtNumber(r.accrualOverBaseline, 2)} ×`],
        ...accrualRows('accrual', a),
        ...accrualRows('baseline', r.baseline),
      ],
    ),
  ];
  const w = r.rewards;
  if (w) {
    const x = w.rewards;
    const y = w.yardstick;
    const errors = (f: typeof x) =>
      `${fmtNumber(f.errors.total)} (5xx ${f.errors.http5xx}, other answers ${f.errors.unexpected}, timeouts ${f.errors.timeouts}, network ${f.errors.network})` +
      (Object.keys(f.otherAnswers).length ? ` — ${fmtCounts(f.otherAnswers)}` : '');
    const rows: Row[] = [
      [
        'awards',
        `${fmtNumber(x.offeredRate)}/s for ${fmtNumber(x.durationS)} s: ${fmtNumber(x.sent)} sent (${fmtNumber(x.sentRate, 0)}/s), ${fmtNumber(x.ok)} × 201`,
      ],
      ['award errors', errors(x)],
      ['latency send→201', fmtLatency(x.latencyMs)],
      ['latency schedule→201', fmtLatency(x.latencyFromScheduleMs)],
      ['send lag (awards)', `${fmtLatency(x.sendLagMs)}${w.generatorNice !== null ? ` (generator at nice ${w.generatorNice})` : ''}`],
      [
        `bare HTTP ${y.target}`,
        `${fmtNumber(y.offeredRate)}/s for ${fmtNumber(y.durationS)} s: ${fmtNumber(y.ok)} × 200; ${fmtLatency(y.latencyMs)}`,
      ],
      ['bare HTTP errors', errors(y)],
      ['award p99 ÷ bare p99', w.p99OverYardstick === null ? '—' : `${fmtNumber(w.p99OverYardstick, 1)} ×`],
      [
        'staff / players',
        `${fmtNumber(w.staff)} supervisors (+ ${fmtNumber(w.warmUpStaff)} for the warm-up), ${fmtNumber(w.players)} players; limit ${w.rewardLimit}`,
      ],
      ['ledger check', ledgerCheck(w.manualEntries, w.awarded201, w.awardsSent)],
    ];
    for (const [proc, c] of Object.entries(w.cpu.services)) {
      rows.push([`CPU ${proc}`, `${fmtNumber(c.percentOfCore, 0)} % of a core (${fmtNumber(w.cpuMsPerAward[proc] ?? 0, 2)} ms an award)`]);
    }
    rows.push(['CPU bench (generator)', `${fmtNumber(w.cpu.generator.percentOfCore, 0)} % of a core`]);
    rows.push([
      'machine busy',
      w.cpu.machineBusyPercent === null ? '—' : `${fmtNumber(w.cpu.machineBusyPercent, 0)} % of ${w.cpu.cores} cores`,
    ]);
    parts.push(
      renderTable(`loyalty — manual rewards through the gateway (${w.connections} keep-alive sockets, warm-up ${w.warmUpS} s)`, rows),
    );
  } else {
    parts.push(renderTable('loyalty — manual rewards through the gateway', [['not measured', r.rewardsError ?? 'unknown']]));
  }
  const t = r.targets;
  parts.push(
    renderTable('loyalty — targets', [
      [
        'accrual ÷ baseline ≥ 10 ×',
        `${fmtTarget(t.accrualOverBaseline)} (${r.accrualOverBaseline === null ? '—' : fmtNumber(r.accrualOverBaseline, 2)} ×)`,
      ],
      ['accrual ≥ 5,000 plays/s', `${fmtTarget(t.accrualPlaysPerSec)} (${fmtNumber(a.playsPerSec, 0)})`],
      [
        'award p99 ≤ 20 ms at 200/s, no error',
        `${fmtTarget(t.rewardP99)} (${w ? `${fmtMs(w.rewards.latencyMs.p99)} at ${fmtNumber(w.rewards.offeredRate)}/s, ${w.rewards.errors.total} errors` : '—'})`,
      ],
    ]),
  );
  return parts.join('\n');
}

function overloadTables(r: OverloadResult): string {
  const cap = r.capacityStep;
  const parts = [
    renderTable(
      `overload — capacity step (${fmtNumber(cap.offeredRate)} bets/s for ${fmtNumber(r.stepDurationS)} s, ${fmtNumber(r.capacityConnections)} sockets)`,
      [
        ['capacity', `${fmtNumber(r.capacity, 0)} outcomes/s processed (sent ${fmtNumber(cap.sentRate, 0)}/s)`],
        ['accepted (202)', `${fmtNumber(cap.accepted202)}; other answers ${fmtCounts(cap.gatewayAnswers)}`],
        [
          'errors',
          `${fmtNumber(cap.errors.total)} (5xx ${cap.errors.http5xx}, timeouts ${cap.errors.timeouts}, 202 without outcome ${cap.errors.noOutcome})`,
        ],
        ['gateway shed_total by reason', fmtCounts(r.capacityShedByReason)],
        ['latency send→outcome', fmtLatency(cap.latencyMs)],
        [
          'machine busy',
          cap.cpu.machineBusyPercent === null ? '—' : `${fmtNumber(cap.cpu.machineBusyPercent, 0)} % of ${cap.cpu.cores} cores`,
        ],
      ],
    ),
  ];
  for (const s of r.steps) {
    const x = s.result;
    parts.push(
      renderTable(`overload — ${s.factor} × capacity: ${fmtNumber(x.offeredRate)} bets/s for ${fmtNumber(x.durationS)} s`, [
        ['offered / sent', `${fmtNumber(x.offeredRate)}/s / ${fmtNumber(x.sentRate, 0)}/s (send lag p99 ${fmtMs(x.sendLagMs.p99)})`],
        [
          'accepted (202)',
          `${fmtNumber(s.acceptedPerSec, 0)}/s = ${fmtNumber((s.acceptedPerSec / Math.max(1e-9, r.capacity)) * 100, 0)} % of capacity`,
        ],
        ['shed (503 overloaded)', `${fmtNumber(s.shedShare * 100, 1)} % of answers`],
        ['send→outcome (accepted)', fmtLatency(x.latencyMs)],
        ['send→503 overloaded', fmtLatency(x.shedLatencyMs)],
        ['stale_timestamp', fmtNumber(s.staleTimestamps)],
        ['202 without outcome', fmtNumber(x.errors.noOutcome)],
        ['errors', `${fmtNumber(x.errors.total)} (5xx ${x.errors.http5xx}, timeouts ${x.errors.timeouts}, network ${x.errors.network})`],
        ['other HTTP answers', fmtCounts(x.gatewayAnswers)],
        ['gateway shed_total by reason', fmtCounts(s.shedByReason)],
        ['rejected (ledger)', fmtCounts(x.rejectedByReason)],
        ['generator CPU', `${fmtNumber(x.cpu.generator.percentOfCore, 0)} % of a core`],
        ['machine busy', x.cpu.machineBusyPercent === null ? '—' : `${fmtNumber(x.cpu.machineBusyPercent, 0)} % of ${x.cpu.cores} cores`],
      ]),
    );
  }
  const at = (f: number) => r.steps.find((s) => s.factor === f);
  const base = at(0.7)?.result.latencyMs.p99 ?? null;
  const t = r.targets;
  const acc = (f: number) => `${fmtNumber(at(f)?.acceptedPerSec, 0)}/s vs ${fmtNumber(0.9 * r.capacity, 0)}/s`;
  const p99 = (f: number) => `${fmtMs(at(f)?.result.latencyMs.p99 ?? null)} vs ${fmtMs(base === null ? null : 3 * base)}`;
  const b = r.bareHttp;
  parts.push(
    renderTable('overload — targets (issue 15)', [
      ['accepted/s at 2× ≥ 0.9 × capacity', `${fmtTarget(t.acceptedAt2x)} (${acc(2)})`],
      ['accepted/s at 4× ≥ 0.9 × capacity', `${fmtTarget(t.acceptedAt4x)} (${acc(4)})`],
      ['p99 send→outcome at 2× ≤ 3 × at 70 %', `${fmtTarget(t.p99At2x)} (${p99(2)})`],
      ['p99 send→outcome at 4× ≤ 3 × at 70 %', `${fmtTarget(t.p99At4x)} (${p99(4)})`],
      ['0 stale_timestamp', fmtTarget(t.noStale)],
      ['0 202 without outcome', fmtTarget(t.noLostOutcome)],
      ['p99 send→503 at 4×', fmtMs(at(4)?.result.shedLatencyMs.p99 ?? null)],
      [
        'yardstick: bare HTTP GET /v1/time',
        b ? `${fmtNumber(b.offeredRate)}/s for ${fmtNumber(b.durationS)} s: ${fmtLatency(b.latencyMs)}, errors ${b.errors.total}` : '—',
      ],
      [
        'yardstick: bare BullMQ',
        r.bullmq
          ? `${fmtNumber(r.bullmq.jobsPerSec, 0)} jobs/s; capacity ÷ bullmq ${fmtNumber((r.capacity / r.bullmq.jobsPerSec) * 100, 1)} %`
          : '—',
      ],
    ]),
  );
  return parts.join('\n');
}

function archiveTables(r: ArchiveResult): string {
  const { seed, run, check, targets: t } = r;
  const window = (x: E2eResult, shed: Record<string, number>): Row[] => [
    [
      'sent',
      `${fmtNumber(x.sent)} of ${fmtNumber(x.planned)} planned (${fmtNumber(x.sentRate, 0)}/s; send lag p99 ${fmtMs(x.sendLagMs.p99)})`,
    ],
    ['send→outcome', fmtLatency(x.latencyMs)],
    ['schedule→outcome', fmtLatency(x.latencyFromScheduleMs)],
    [
      'errors',
      `${fmtNumber(x.errors.total)} (5xx ${x.errors.http5xx}, timeouts ${x.errors.timeouts}, 202 without outcome ${x.errors.noOutcome})`,
    ],
    ['other HTTP answers', fmtCounts(x.gatewayAnswers)],
    ['gateway shed_total by reason', fmtCounts(shed)],
    ...batchRows(x.ledgerBatches),
    ['machine busy', x.cpu.machineBusyPercent === null ? '—' : `${fmtNumber(x.cpu.machineBusyPercent, 0)} % of ${x.cpu.cores} cores`],
  ];
  const during = r.runEndedBeforeWindow
    ? `sent for ${fmtNumber(r.duringSendSeconds, 1)} s of ${fmtNumber(r.windowS)} s: the run ended first`
    : `${fmtNumber(r.windowS)} s, the run in progress throughout`;
  return [
    renderTable(
      `archive — one run over ${fmtNumber(seed.bets + seed.bettors.bets)} final bets (partitions of ≤ ${fmtNumber(r.partitionMaxBets)})`,
      [
        [
          'seeded (SQL)',
          `${fmtNumber(seed.bets)} bets (won ${fmtNumber(seed.won)}, lost ${fmtNumber(seed.lost)}, void ${fmtNumber(seed.void)}, ` +
            `rejected ${fmtNumber(seed.rejected)}) + ${fmtNumber(seed.betEntries)} entries over ${fmtNumber(seed.wallets)} wallets, ` +
            `final ${seed.newestDaysAgo}–${seed.oldestDaysAgo} days ago, in ${fmtNumber(seed.seconds, 1)} s (+ VACUUM ANALYZE ${fmtNumber(seed.vacuumSeconds, 1)} s, ` +
            `${seed.checkpointSeconds === null ? 'no CHECKPOINT: not permitted' : `CHECKPOINT ${fmtNumber(seed.checkpointSeconds, 1)} s`})`,
        ],
        [
          "seeded (SQL), the bettors' own",
          `${fmtNumber(seed.bettors.bets)} bets + ${fmtNumber(seed.bettors.betEntries)} entries of the ${fmtNumber(seed.bettors.players)} players ` +
            `betting beside the run, the same days, in ${fmtNumber(seed.bettors.seconds, 1)} s`,
        ],
        ['retention', `${r.retentionDays} days`],
        ['pause after each partition', r.pauseRatio === null ? "the archiver's default ARCHIVE_PAUSE_RATIO" : `${r.pauseRatio} × its time`],
        ['run', `${run.runId}: ${run.status}${run.error ? ` (${run.error})` : ''}, ${fmtNumber(run.partitions)} partitions`],
        ['archived', `${fmtNumber(run.bets)} bets, ${fmtNumber(run.walletEntries)} wallet entries, ${fmtBytes(run.bytes)}`],
        [
          'run time',
          `${run.runSeconds === null ? '—' : `${fmtNumber(run.runSeconds, 1)} s`} (archiver started → finished; ` +
            `POST → seen finished ${fmtNumber(run.observedSeconds, 1)} s)`,
        ],
        ['bets archived/s', fmtNumber(run.betsPerSec, 0)],
        ['wallet entries archived/s', fmtNumber(run.entriesPerSec, 0)],
        ['bytes written/s', run.bytesPerSec === null ? '—' : `${fmtBytes(run.bytesPerSec)}/s`],
        ['files on disk', `${fmtNumber(check.filesOnDisk)} (${fmtBytes(check.bytesOnDisk)})`],
        [
          'Postgres WAL during the run',
          `${fmtBytes(run.wal.bytes)} (all sessions), ${fmtBytes(run.wal.bytes / Math.max(1, run.bets))} a bet archived; ` +
            `checkpoints completed: ${run.wal.checkpoints === null ? '—' : fmtNumber(run.wal.checkpoints)}`,
        ],
        ['after: seeded bets left', fmtNumber(check.seededBetsLeft)],
        ['after: drift', `${fmtNumber(check.drift)} of ${fmtNumber(check.walletsChecked)} wallets`],
        [
          'yardstick: the seed',
          `${fmtNumber((seed.bets + seed.betEntries) / Math.max(1e-9, seed.seconds), 0)} rows/s inserted by set-based SQL`,
        ],
        ...cpuRows(run.cpu).map(([label, value]): Row => [`during the run: ${label}`, value]),
      ],
    ),
    renderTable(
      `archive — bet path without a run: ${fmtNumber(r.rate)} bets/s for ${fmtNumber(r.windowS)} s`,
      window(r.withoutArchive, r.shedWithoutByReason),
    ),
    renderTable(`archive — bet path during the run: ${fmtNumber(r.rate)} bets/s, ${during}`, window(r.duringArchive, r.shedDuringByReason)),
    renderTable('archive — targets (issue 12)', [
      [
        'p99 send→outcome during ÷ without ≤ 1.20',
        `${fmtTarget(t.p99RatioMet)} (${t.p99Ratio === null ? '—' : fmtNumber(t.p99Ratio, 2)}: ` +
          `${fmtMs(r.duringArchive.latencyMs.p99)} vs ${fmtMs(r.withoutArchive.latencyMs.p99)})`,
      ],
      [
        'no error during the run',
        `${fmtTarget(t.noErrorsDuring)} (${fmtNumber(r.duringArchive.errors.total)}; ${fmtCounts(r.duringArchive.gatewayAnswers)})`,
      ],
      ['p50 send→outcome during / without', `${fmtMs(r.duringArchive.latencyMs.p50)} / ${fmtMs(r.withoutArchive.latencyMs.p50)}`],
      ['run succeeded', fmtTarget(t.runSucceeded)],
      ['every seeded bet archived', fmtTarget(t.allArchived)],
      ['reconciliation drift 0', fmtTarget(t.noDrift)],
    ]),
  ].join('\n');
}
