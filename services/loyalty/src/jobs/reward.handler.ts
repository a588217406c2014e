import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import type { LoyaltyReply, RewardJob } from '@wagerflow/contracts';
import type { Pool } from '@wagerflow/db';
import { withCorrelation, type Logger } from '@wagerflow/runtime';
import { checkReward, rewardIdentity, type GamingDay } from '../domain/reward-decision.js';
import { entryByKey, writeManualAward, type StoredEntry } from '../repositories/accounts.repository.js';
import type { RewardRateLimiter } from '../repositories/reward-rate-limiter.js';

export interface RewardDeps {
  pool: Pool;
  limiter: RewardRateLimiter;
  gamingDay: GamingDay;
  logger: Logger;
  onOutcome?: (outcome: 'created' | 'duplicate' | 'refused' | 'rate_limited') => void;
}

const UNIQUE_VIOLATION = '23505';

const rewardReply = (e: StoredEntry, duplicate: boolean): LoyaltyReply => ({
  kind: 'reward',
  duplicate,
  entry: {
    entryId: e.id,
    playerId: e.playerId,
    kind: e.kind,
    points: e.points,
    balanceBefore: e.balanceBefore,
    balanceAfter: e.balanceAfter,
    staffId: e.staffId,
    ratingSlipId: e.ratingSlipId,
    reason: e.reason,
    correlationId: e.correlationId,
    createdAt: e.createdAt,
  },
});

/**
 * `POST /v1/loyalty/rewards` (SPEC 4.7): replay check → unknown player → points cap → the staff member's rolling
 * limit (Redis) → one statement that locks the player's account row, adds the points and writes the entry under its
 * idempotency key.
 * Two requests racing with one key: the loser's insert hits the unique key, gives its slot back and answers as a
 * replay of the winner.
 */
export function rewardHandler(deps: RewardDeps) {
  async function answerExisting(
    data: RewardJob,
    requestId: string,
    identity: ReturnType<typeof rewardIdentity>,
  ): Promise<LoyaltyReply | null> {
    const existing = await entryByKey(deps.pool, identity.key);
    const check = checkReward(data, identity, existing, requestId);
    if (check.kind === 'replay') {
      deps.onOutcome?.('duplicate');
      return rewardReply(existing!, !check.ownRequest);
    }
    if (check.kind === 'refuse') {
      deps.onOutcome?.('refused');
      return { kind: 'error', code: check.code, message: check.message };
    }
    return null;
  }

  // Every log line of the request carries its correlation id (the gateway request's trace id).
  return (data: RewardJob, job: Job): Promise<LoyaltyReply> => withCorrelation(data.correlationId, () => reward(data, job));

  async function reward(data: RewardJob, job: Job): Promise<LoyaltyReply> {
    const requestId = String(job.id);
    const identity = rewardIdentity(data, deps.gamingDay);
    const answered = await answerExisting(data, requestId, identity);
    if (answered) return answered;

    const slot = await deps.limiter.acquire(data.staffId, requestId);
    if (!slot.allowed) {
      deps.onOutcome?.('rate_limited');
      return {
        kind: 'error',
        code: 'rate_limited',
        message: 'at most this many new awards per staff member per minute; retry later',
        retryAfterS: slot.retryAfterS,
      };
    }
    try {
      const entry = await writeManualAward(deps.pool, {
        id: randomUUID(),
        playerId: data.playerId,
        points: data.points,
        staffId: data.staffId,
        reason: data.reason,
        correlationId: data.correlationId,
        idempotencyKey: identity.key,
        fingerprint: identity.fingerprint,
        requestId,
        now: Date.now(),
      });
      deps.onOutcome?.('created');
      deps.logger.info({ entryId: entry.id, playerId: data.playerId, staffId: data.staffId, points: data.points }, 'manual reward granted');
      return rewardReply(entry, false);
    } catch (err) {
      await deps.limiter.release(data.staffId, requestId);
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        const raced = await answerExisting(data, requestId, identity);
        if (raced) return raced;
      }
      throw err;
    }
  }
}
