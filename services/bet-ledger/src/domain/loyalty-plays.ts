import { createHash } from 'node:crypto';
import type { Play, PlayKind } from '@wagerflow/contracts';
import type { StoredOutcome } from '../repositories/bets.repository.js';

/** The most plays one `plays` job may carry (`playsJob` in contracts). */
export const MAX_PLAYS_PER_JOB = 5_000;

/**
 * The id of a `plays` job (`JOB_OPTIONS.loyalty.plays`): hex sha256 of the kind and the sorted bet ids. The same set,
 * re-sent by a redelivery in any order, names the same job (BullMQ drops the copy while the first exists); two different
 * sets never share an id, or the second would be dropped as a duplicate and its plays lost. JSON keeps the fields apart
 * whatever characters an id holds.
 */
export function playsDigest(kind: PlayKind, betIds: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([kind, ...[...betIds].sort()]))
    .digest('hex');
}

/**
 * The jobs that carry these plays: one per kind and per `max` bets, each bet once, sorted by bet id so that the same
 * plays always split into the same jobs (and digests).
 */
export function playsJobs(plays: readonly Play[], max = MAX_PLAYS_PER_JOB): { digest: string; plays: Play[] }[] {
  const byKind = new Map<PlayKind, Map<string, Play>>();
  for (const p of plays) {
    const ofKind = byKind.get(p.kind) ?? new Map<string, Play>();
    byKind.set(p.kind, ofKind);
    // A bet twice in one batch (two deliveries of its job at once) is still one play.
    if (!ofKind.has(p.betId)) ofKind.set(p.betId, p);
  }
  const jobs: { digest: string; plays: Play[] }[] = [];
  for (const [kind, ofKind] of [...byKind].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sorted = [...ofKind.values()].sort((a, b) => (a.betId < b.betId ? -1 : a.betId > b.betId ? 1 : 0));
    for (let i = 0; i < sorted.length; i += max) {
      const chunk = sorted.slice(i, i + max);
      jobs.push({
        digest: playsDigest(
          kind,
          chunk.map((p) => p.betId),
        ),
        plays: chunk,
      });
    }
  }
  return jobs;
}

/**
 * The play of a bet outcome, fresh or re-published from storage alike (so a redelivery re-sends the same play): a
 * confirmed bet counts at its confirm time, in its trace (`traceparent` of its `ledger.apply` span); a rejected one
 * is no play.
 */
export function betPlay(o: StoredOutcome, traceparent: string | undefined): Play | null {
  if (o.status !== 'confirmed') return null;
  // The statement that confirms a bet stamps confirmed_at: without it the row is not one the ledger wrote.
  if (o.confirmedAt === null) throw new Error(`confirmed bet ${o.betId} has no confirmed_at`);
  const play: Play = {
    kind: 'bet',
    betId: o.betId,
    playerId: o.playerId,
    stake: o.stake,
    at: o.confirmedAt,
    correlationId: o.correlationId,
  };
  if (traceparent) play.traceparent = traceparent;
  return play;
}

/** A voided bet gives its stake back out of the player's slip, at its settle time. */
export function voidPlay(bet: { betId: string; playerId: string; stake: number; settledAt: number; correlationId: string }): Play {
  return { kind: 'void', betId: bet.betId, playerId: bet.playerId, stake: bet.stake, at: bet.settledAt, correlationId: bet.correlationId };
}
