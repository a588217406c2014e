import { describe, expect, it } from 'vitest';
import type { LoyaltyReply, SlipView } from '@wagerflow/contracts';
import { rewardAnswer, slipAnswer } from './loyalty-replies.js';

const entry = {
  entryId: 'e-1',
  playerId: 'p-1',
  kind: 'manual' as const,
  points: 50,
  balanceBefore: 10,
  balanceAfter: 60,
  staffId: 's-1',
  ratingSlipId: null,
  reason: 'birthday',
  correlationId: 'c-1',
  createdAt: 1_700_000_000_000,
};
const slip: SlipView = {
  slipId: 'sl-1',
  status: 'closed',
  wagered: 1_000,
  openedAt: 1,
  closedAt: 2,
  points: null,
  accrual: 'pending',
};
const error = (code: Extract<LoyaltyReply, { kind: 'error' }>['code'], retryAfterS?: number): LoyaltyReply => ({
  kind: 'error',
  code,
  message: `said ${code}`,
  ...(retryAfterS === undefined ? {} : { retryAfterS }),
});

describe('rewardAnswer', () => {
  it('a new entry is 201, a repeat 200 with the original entry and duplicate: true', () => {
    const body = {
      entryId: 'e-1',
      playerId: 'p-1',
      points: 50,
      reason: 'birthday',
      staffId: 's-1',
      balanceBefore: 10,
      balanceAfter: 60,
      correlationId: 'c-1',
    };
    expect(rewardAnswer({ kind: 'reward', entry, duplicate: false })).toEqual({
      kind: 'ok',
      status: 201,
      body: { ...body, duplicate: false },
    });
    expect(rewardAnswer({ kind: 'reward', entry, duplicate: true })).toEqual({
      kind: 'ok',
      status: 200,
      body: { ...body, duplicate: true },
    });
  });

  it("passes on loyalty's refusals, rate_limited with Retry-After in seconds", () => {
    for (const code of ['idempotency_key_reused', 'unknown_player', 'points_exceed_max'] as const) {
      expect(rewardAnswer(error(code))).toEqual({ kind: 'refused', code, message: `said ${code}` });
    }
    expect(rewardAnswer(error('rate_limited', 42))).toEqual({
      kind: 'refused',
      code: 'rate_limited',
      message: 'said rate_limited',
      headers: { 'Retry-After': '42' },
    });
    expect(rewardAnswer(error('rate_limited'))).toMatchObject({ headers: { 'Retry-After': '1' } });
  });

  it('an answer a reward cannot have is unexpected (500), never passed on', () => {
    expect(rewardAnswer(error('slip_open')).kind).toBe('unexpected');
    expect(rewardAnswer(error('unknown_slip')).kind).toBe('unexpected');
    expect(rewardAnswer({ kind: 'slip', slip, changed: true }).kind).toBe('unexpected');
    expect(rewardAnswer({ kind: 'reward', entry: { ...entry, staffId: null }, duplicate: false }).kind).toBe('unexpected');
    expect(rewardAnswer({ kind: 'reward', entry: { ...entry, kind: 'accrual' }, duplicate: false }).kind).toBe('unexpected');
  });
});

describe('slipAnswer', () => {
  it('200 with the slip, whether it changed or not', () => {
    for (const request of ['slip-close', 'slip-recover'] as const) {
      expect(slipAnswer(request, { kind: 'slip', slip, changed: true })).toEqual({ kind: 'ok', status: 200, body: slip });
      expect(slipAnswer(request, { kind: 'slip', slip, changed: false })).toEqual({ kind: 'ok', status: 200, body: slip });
    }
  });

  it('close answers unknown_slip; recover unknown_slip and slip_open; anything else is unexpected', () => {
    expect(slipAnswer('slip-close', error('unknown_slip'))).toMatchObject({ kind: 'refused', code: 'unknown_slip' });
    expect(slipAnswer('slip-close', error('slip_open')).kind).toBe('unexpected');
    expect(slipAnswer('slip-recover', error('unknown_slip'))).toMatchObject({ kind: 'refused', code: 'unknown_slip' });
    expect(slipAnswer('slip-recover', error('slip_open'))).toMatchObject({ kind: 'refused', code: 'slip_open' });
    expect(slipAnswer('slip-recover', error('rate_limited', 5)).kind).toBe('unexpected');
    expect(slipAnswer('slip-close', { kind: 'reward', entry, duplicate: false }).kind).toBe('unexpected');
  });
});
