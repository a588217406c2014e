import { describe, expect, it } from 'vitest';
import type { RewardJob } from '@wagerflow/contracts';
import { checkReward, rewardIdentity } from './reward-decision.js';

const job = (o: Partial<RewardJob> = {}): RewardJob => ({
  playerId: 'p1',
  playerKnown: true,
  staffId: 's1',
  points: 100,
  reason: 'Birthday bonus',
  idempotencyKey: null,
  requestedAt: Date.UTC(2026, 11, 4, 5, 59),
  correlationId: 'c',
  ...o,
});
const day = { timeZone: 'UTC', dayStart: '06:00' };

describe('rewardIdentity', () => {
  it('buckets by gaming day without a header: 05:59 and 06:00 are different days', () => {
    const a = rewardIdentity(job(), day);
    const b = rewardIdentity(job({ requestedAt: Date.UTC(2026, 11, 4, 6, 0) }), day);
    expect(a.key).not.toBe(b.key);
    expect(rewardIdentity(job({ reason: '  birthday   BONUS ' }), day)).toEqual(a);
  });
  it('uses the header when sent, whatever the day, and keeps the body fingerprint', () => {
    const a = rewardIdentity(job({ idempotencyKey: 'k1' }), day);
    const b = rewardIdentity(job({ idempotencyKey: 'k1', requestedAt: 0 }), day);
    expect(a).toEqual(b);
    expect(a.key.startsWith('hdr:')).toBe(true);
    expect(rewardIdentity(job({ idempotencyKey: 'k1', points: 5 }), day).fingerprint).not.toBe(a.fingerprint);
  });
});

describe('checkReward (SPEC 4 order: replay → 404 → 422)', () => {
  const id = rewardIdentity(job(), day);
  it('answers a replay before anything else, and knows its own redelivered request', () => {
    expect(checkReward(job({ playerKnown: false, points: 99_999 }), id, { fingerprint: id.fingerprint, requestId: 'r0' }, 'r1')).toEqual({
      kind: 'replay',
      ownRequest: false,
    });
    expect(checkReward(job(), id, { fingerprint: id.fingerprint, requestId: 'r1' }, 'r1')).toEqual({ kind: 'replay', ownRequest: true });
  });
  it('refuses a reused key with another body, then an unknown player, then points over the cap', () => {
    expect(checkReward(job(), id, { fingerprint: 'other', requestId: 'r0' }, 'r1')).toMatchObject({ code: 'idempotency_key_reused' });
    expect(checkReward(job({ playerKnown: false, points: 10_001 }), id, null, 'r1')).toMatchObject({ code: 'unknown_player' });
    expect(checkReward(job({ points: 10_001 }), id, null, 'r1')).toMatchObject({ code: 'points_exceed_max' });
    expect(checkReward(job({ points: 10_000 }), id, null, 'r1')).toEqual({ kind: 'write' });
  });
});
