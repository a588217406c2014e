/**
 * Manual rewards' idempotency (SPEC 4.7): the `Idempotency-Key` header when sent, else the seed's date bucket, a hash
 * of who gives what to whom and why on which gaming day. The same reward repeated the same gaming day is a duplicate;
 * the next gaming day it is a new reward. A key reused with another body is refused, which needs the body's
 * fingerprint beside the key.
 */
import { createHash } from 'node:crypto';

export interface RewardRequest {
  playerId: string;
  staffId: string;
  points: number;
  reason: string;
}

/** Trimmed, runs of white space collapsed to one space, lower case: "Birthday  bonus " = "birthday bonus". */
export function normaliseReason(reason: string): string {
  return reason.trim().replace(/\s+/g, ' ').toLowerCase();
}

const sha256 = (fields: readonly (string | number)[]) => createHash('sha256').update(JSON.stringify(fields)).digest('hex');

/** The key of a reward sent without `Idempotency-Key`: one per (player, staff, points, reason, gaming date). */
export function dateBucketKey(r: RewardRequest, gamingDate: string): string {
  return `date:${sha256(['reward', r.playerId, r.staffId, r.points, normaliseReason(r.reason), gamingDate])}`;
}

/** The key of a reward sent with `Idempotency-Key`: scoped to the staff member, so two members' keys never meet. */
export function headerKey(staffId: string, idempotencyKey: string): string {
  return `hdr:${sha256(['reward', staffId, idempotencyKey])}`;
}

/** What "the same body" means for a reused key: same player, points and (normalised) reason. */
export function rewardFingerprint(r: Pick<RewardRequest, 'playerId' | 'points' | 'reason'>): string {
  return sha256([r.playerId, r.points, normaliseReason(r.reason)]);
}
