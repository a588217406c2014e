import { REWARD_MAX_POINTS, type RewardJob } from '@wagerflow/contracts';
import { gamingDate } from './gaming-day.js';
import { dateBucketKey, headerKey, rewardFingerprint } from './reward-key.js';

/**
 * A manual reward's checks before the limiter, in SPEC 4's order: idempotent replay (200 duplicate / 422 reused) →
 * unknown player 404 → business rule 422 (points cap). Pure: the caller looks up the entry under `key` first.
 */
export interface RewardIdentity {
  key: string;
  fingerprint: string;
}

export interface GamingDay {
  timeZone: string;
  dayStart: string;
}

/** The idempotency key (the header scoped to the staff member, else the gaming-day bucket) and the body's fingerprint. */
export function rewardIdentity(job: RewardJob, day: GamingDay): RewardIdentity {
  const request = { playerId: job.playerId, staffId: job.staffId, points: job.points, reason: job.reason };
  return {
    key:
      job.idempotencyKey !== null
        ? headerKey(job.staffId, job.idempotencyKey)
        : dateBucketKey(request, gamingDate(job.requestedAt, day.timeZone, day.dayStart)),
    fingerprint: rewardFingerprint(request),
  };
}

export type RewardCheck =
  | { kind: 'replay'; ownRequest: boolean }
  | { kind: 'refuse'; code: 'idempotency_key_reused' | 'unknown_player' | 'points_exceed_max'; message: string }
  | { kind: 'write' };

export function checkReward(
  job: RewardJob,
  identity: RewardIdentity,
  existing: { fingerprint: string | null; requestId: string | null } | null,
  requestId: string,
): RewardCheck {
  if (existing) {
    if (existing.fingerprint !== identity.fingerprint) {
      return { kind: 'refuse', code: 'idempotency_key_reused', message: 'this idempotency key was used with a different body' };
    }
    // A redelivered request whose first delivery wrote the entry is not a duplicate of itself.
    return { kind: 'replay', ownRequest: existing.requestId === requestId };
  }
  if (!job.playerKnown) return { kind: 'refuse', code: 'unknown_player', message: `unknown player ${job.playerId}` };
  if (job.points > REWARD_MAX_POINTS) {
    return { kind: 'refuse', code: 'points_exceed_max', message: `a manual reward may grant at most ${REWARD_MAX_POINTS} points` };
  }
  return { kind: 'write' };
}
