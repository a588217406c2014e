import type { LoyaltyReply, RewardResponse, SlipView } from '@wagerflow/contracts';

type LoyaltyErrorCode = Extract<LoyaltyReply, { kind: 'error' }>['code'];

/**
 * Loyalty's answer to a staff request, as the HTTP answer of its route (SPEC 4.7). Pure: the route sends or throws
 * what this returns. Each request answers only the codes its route documents: anything else means the two services
 * disagree on the contract, an internal error (logged, 500) rather than an undocumented answer.
 */
export type LoyaltyAnswer<T> =
  | { kind: 'ok'; status: 200 | 201; body: T }
  | { kind: 'refused'; code: LoyaltyErrorCode; message: string; headers?: Record<string, string> }
  | { kind: 'unexpected'; message: string };

export type LoyaltyRequestKind = 'reward' | 'slip-close' | 'slip-recover';

/** The codes each request may answer, in SPEC 4's order of checks (replay, 404, 422, 429). */
export const LOYALTY_REQUEST_CODES = {
  reward: ['idempotency_key_reused', 'unknown_player', 'points_exceed_max', 'rate_limited'],
  'slip-close': ['unknown_slip'],
  'slip-recover': ['unknown_slip', 'slip_open'],
} as const satisfies Record<LoyaltyRequestKind, readonly LoyaltyErrorCode[]>;

const unexpected = (message: string) => ({ kind: 'unexpected' as const, message });

function refused(request: LoyaltyRequestKind, reply: Extract<LoyaltyReply, { kind: 'error' }>): LoyaltyAnswer<never> {
  const allowed: readonly LoyaltyErrorCode[] = LOYALTY_REQUEST_CODES[request];
  if (!allowed.includes(reply.code)) return unexpected(`loyalty answered ${reply.code} to a ${request} request`);
  // SPEC 4.7: a 429 carries Retry-After; a reply without its seconds (it should have them) still tells the client to wait.
  const headers = reply.code === 'rate_limited' ? { 'Retry-After': String(reply.retryAfterS ?? 1) } : undefined;
  return { kind: 'refused', code: reply.code, message: reply.message, ...(headers ? { headers } : {}) };
}

/** `POST /v1/loyalty/rewards`: 201 for a new entry, 200 for a repeat (the original entry, `duplicate: true`). */
export function rewardAnswer(reply: LoyaltyReply): LoyaltyAnswer<RewardResponse> {
  if (reply.kind === 'error') return refused('reward', reply);
  if (reply.kind !== 'reward') return unexpected(`loyalty answered a ${reply.kind} reply to a reward request`);
  const { entry, duplicate } = reply;
  if (entry.kind !== 'manual' || entry.staffId === null) return unexpected('loyalty answered a reward with an entry that is not manual');
  return {
    kind: 'ok',
    status: duplicate ? 200 : 201,
    body: {
      entryId: entry.entryId,
      playerId: entry.playerId,
      points: entry.points,
      reason: entry.reason,
      staffId: entry.staffId,
      balanceBefore: entry.balanceBefore,
      balanceAfter: entry.balanceAfter,
      correlationId: entry.correlationId,
      duplicate,
    },
  };
}

/** `POST /v1/loyalty/slips/{slipId}/close` and `…/recover`: 200 with the slip, changed or not (again → 200, no change). */
export function slipAnswer(request: 'slip-close' | 'slip-recover', reply: LoyaltyReply): LoyaltyAnswer<SlipView> {
  if (reply.kind === 'error') return refused(request, reply);
  if (reply.kind !== 'slip') return unexpected(`loyalty answered a ${reply.kind} reply to a ${request} request`);
  return { kind: 'ok', status: 200, body: reply.slip };
}
