/**
 * The pure half of `--mode loyalty`: the plays it queues, the jobs that carry them (named as bet-ledger names them),
 * the completion rule read from the consumer's `wagerflow_loyalty_plays_total`, and the number of staff members a
 * reward load needs so that SPEC 4.7's limit (10 new awards per staff member per rolling minute) never refuses one.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Play, PlayKind } from '@wagerflow/contracts';

/**
 * `count` confirmed bets round-robin over the players (each player's plays form one slip), confirmed just now with
 * distinct times in order, as a stream of ledger batches would carry them.
 */
export function buildPlays(playerIds: readonly string[], count: number, stake: number, now = Date.now()): Play[] {
  if (playerIds.length === 0) throw new Error('no players');
  return Array.from({ length: count }, (_, i) => ({
    kind: 'bet' as const,
    betId: randomUUID(),
    playerId: playerIds[i % playerIds.length]!,
    stake,
    at: now + Math.floor(i / 10),
    correlationId: randomBytes(16).toString('hex'),
  }));
}

/**
 * A `plays` job's id digest (`JOB_OPTIONS.loyalty.plays`), computed the way bet-ledger's sender computes it: hex
 * sha256 of JSON `[kind, ...sorted bet ids]`. Distinct sets never share an id (BullMQ would drop the second).
 */
export function playsDigest(kind: PlayKind, betIds: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([kind, ...[...betIds].sort()]))
    .digest('hex');
}

/** Consecutive slices of at most `size` items. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size <= 0) throw new Error(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface PlaysByEffect {
  counted: number;
  voided: number;
  ignored: number;
  /** Every play taken from the queue and committed, whatever it did. */
  total: number;
}

/**
 * `wagerflow_loyalty_plays_total{effect=…}` from a Prometheus text exposition (loyalty's `/metrics`, or the baseline
 * worker's, which serves the same counter). Other labels on the sample are allowed; missing effects count 0.
 */
export function playsByEffect(metricsText: string): PlaysByEffect {
  const out: PlaysByEffect = { counted: 0, voided: 0, ignored: 0, total: 0 };
  for (const line of metricsText.split('\n')) {
    const m = /^wagerflow_loyalty_plays_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const effect = /(?:^|,)\s*effect="([^"]*)"/.exec(m[1]!)?.[1];
    const value = Number(m[2]);
    if (!Number.isFinite(value)) continue;
    if (effect === 'counted' || effect === 'voided' || effect === 'ignored') out[effect] += value;
    out.total += value;
  }
  return out;
}

/**
 * When the first and the last of `target` plays were committed, from polls of a monotonic counter: a change
 * happened between the poll that first saw it and the one before, so its time is taken as their midpoint (an error
 * of at most half a poll interval at each end). A counter that goes down means the consumer restarted: the figures
 * would mix two processes, so it is refused.
 *
 * Throughput is the plays committed after the first commit ÷ (first → last commit): N ÷ (first → last) would count
 * the first batch's plays without the time it took (a 5 % overstatement with 20 batches; infinite with one).
 */
export class CommitWatch {
  firstAt: number | null = null;
  lastAt: number | null = null;
  /** The counter at the poll that first saw a commit (the first batch's plays, or more if several fell between polls). */
  firstValue = 0;
  committed = 0;
  private prevAt: number | null = null;

  constructor(readonly target: number) {
    if (!(target > 0)) throw new Error(`target must be positive, got ${target}`);
  }

  get done(): boolean {
    return this.lastAt !== null;
  }

  /** One poll: the counter's value read at `at` (ms). Returns whether every play is committed. */
  observe(value: number, at: number): boolean {
    if (value < this.committed) throw new Error(`the plays counter went down (${this.committed} → ${value}): did the consumer restart?`);
    const since = this.prevAt ?? at;
    if (this.firstAt === null && value > 0) {
      this.firstAt = (since + at) / 2;
      this.firstValue = value;
    }
    if (this.lastAt === null && value >= this.target) this.lastAt = (since + at) / 2;
    this.committed = value;
    this.prevAt = at;
    return this.done;
  }

  /** Plays per second after the first commit; null before the end, or when one poll saw every play (no window). */
  perSecond(): number | null {
    if (this.firstAt === null || this.lastAt === null || this.lastAt <= this.firstAt) return null;
    return ((this.target - this.firstValue) * 1000) / (this.lastAt - this.firstAt);
  }
}

/**
 * Staff members for `rate` awards/s over `durationS` s, sent round-robin, so that none of them exceeds `limit` new
 * awards in any rolling window of `windowS` s: each receives an award every `staff / rate` s, so a window holds
 * rate × min(duration, window) ÷ staff of them; `margin` absorbs bursts of late sends.
 */
export function staffNeeded(rate: number, durationS: number, limit = 10, windowS = 60, margin = 1.25): number {
  if (!(rate > 0) || !(durationS > 0) || !(limit > 0)) return 1;
  return Math.max(1, Math.ceil((margin * rate * Math.min(durationS, windowS)) / limit));
}
