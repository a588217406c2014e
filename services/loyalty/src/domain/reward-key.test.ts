import { describe, expect, it } from 'vitest';
import { dateBucketKey, headerKey, normaliseReason, rewardFingerprint } from './reward-key.js';

const reward = { playerId: 'p1', staffId: 's1', points: 500, reason: 'Birthday bonus' };

describe('reward idempotency keys', () => {
  it('normalises the reason: trimmed, spaces collapsed, lower case', () => {
    expect(normaliseReason('  Birthday \t  BONUS\n')).toBe('birthday bonus');
  });

  it('the date bucket: the same reward the same gaming day is one key, the next day another', () => {
    const day = dateBucketKey(reward, '2026-12-04');
    expect(dateBucketKey({ ...reward, reason: ' birthday   BONUS ' }, '2026-12-04')).toBe(day);
    expect(dateBucketKey(reward, '2026-12-05')).not.toBe(day);
    expect(dateBucketKey({ ...reward, points: 501 }, '2026-12-04')).not.toBe(day);
    expect(dateBucketKey({ ...reward, staffId: 's2' }, '2026-12-04')).not.toBe(day);
    expect(dateBucketKey({ ...reward, playerId: 'p2' }, '2026-12-04')).not.toBe(day);
    expect(dateBucketKey({ ...reward, reason: 'anniversary' }, '2026-12-04')).not.toBe(day);
    expect(day).toMatch(/^date:[0-9a-f]{64}$/);
  });

  it('fields cannot run into each other (ids containing separators)', () => {
    expect(dateBucketKey({ ...reward, playerId: 'a|b', staffId: 'c' }, 'd')).not.toBe(
      dateBucketKey({ ...reward, playerId: 'a', staffId: 'b|c' }, 'd'),
    );
  });

  it('a header key is scoped to its staff member and never equals a date key', () => {
    expect(headerKey('s1', 'k')).toBe(headerKey('s1', 'k'));
    expect(headerKey('s1', 'k')).not.toBe(headerKey('s2', 'k'));
    expect(headerKey('s1', 'k')).toMatch(/^hdr:/);
  });

  it('the fingerprint tells a different body under a reused key', () => {
    const f = rewardFingerprint(reward);
    expect(rewardFingerprint({ ...reward, reason: 'BIRTHDAY bonus ' })).toBe(f);
    expect(rewardFingerprint({ ...reward, points: 1 })).not.toBe(f);
    expect(rewardFingerprint({ ...reward, playerId: 'p9' })).not.toBe(f);
  });
});
