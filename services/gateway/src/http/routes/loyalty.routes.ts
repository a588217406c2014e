import { randomUUID } from 'node:crypto';
import type { ApiResponse } from '../http-types.js';
import { loyaltyPageQuery, tierFor, type LoyaltyAccountResponse, type SlipView } from '@wagerflow/contracts';
import { currentCorrelationId } from '@wagerflow/runtime';
import { decodeEntryCursor, encodeEntryCursor } from '../../domain/loyalty-cursor.js';
import { rewardAnswer, slipAnswer, type LoyaltyAnswer } from '../../domain/loyalty-replies.js';
import { ApiError } from '../api-error.js';
import { validate } from '../body.js';
import type { RouteHandlers } from '../router.js';
import type { RouteDeps } from './route-deps.js';

type LoyaltyHandlers = Pick<RouteHandlers, 'meLoyalty' | 'playerLoyalty' | 'playerSlips' | 'closeSlip' | 'recoverSlip' | 'reward'>;

/** Slip ids are UUIDs (loyalty_slip_view.id): any other id names no slip, and is not worth a job. */
const SLIP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Sends loyalty's answer; no answer in time is 503 `timeout` (the request is idempotent: a retry is safe). */
function send<T>(res: ApiResponse, answer: LoyaltyAnswer<T> | null): void {
  if (!answer) throw new ApiError('timeout', 'loyalty did not answer in time; a retry (with the same Idempotency-Key) is safe');
  if (answer.kind === 'unexpected') throw new Error(answer.message);
  if (answer.kind === 'refused') throw new ApiError(answer.code, answer.message, undefined, answer.headers);
  res.status(answer.status).json(answer.body);
}

/**
 * SPEC 4.7. Reads come from loyalty's published views (LoyaltyReadRepository); every change is a job on
 * loyalty-requests whose reply the request waits for (reward, slip close, slip recovery).
 */
export function loyaltyRoutes(d: RouteDeps): LoyaltyHandlers {
  const correlationId = () => currentCorrelationId() ?? randomUUID();

  async function accountPage(playerId: string, query: unknown): Promise<LoyaltyAccountResponse> {
    const q = validate(loyaltyPageQuery, query);
    const before = q.cursor === undefined ? null : decodeEntryCursor(q.cursor);
    if (q.cursor !== undefined && before === null) {
      throw new ApiError('validation_failed', 'invalid cursor', [{ path: 'cursor', message: 'not a nextCursor of this listing' }]);
    }
    const page = await d.loyalty.page(playerId, before, q.limit + 1);
    const entries = page.entries.slice(0, q.limit);
    const last = entries[entries.length - 1];
    return {
      playerId,
      points: page.points,
      tier: tierFor(page.lifetimePoints, d.tiers).name,
      entries: entries.map(({ seq: _seq, ...entry }) => entry),
      nextCursor: page.entries.length > q.limit && last ? encodeEntryCursor(last.seq) : null,
    };
  }

  async function knownPlayer(playerId: string): Promise<void> {
    if (!(await d.players.exists(playerId))) throw new ApiError('unknown_player', `unknown player ${playerId}`);
  }

  const meLoyalty: LoyaltyHandlers['meLoyalty'] = async ({ principal: { playerId } }, res, req) => {
    res.json(await accountPage(playerId, req.query));
  };

  const playerLoyalty: LoyaltyHandlers['playerLoyalty'] = async ({ params: { playerId } }, res, req) => {
    // The query is checked first (400 before 404, SPEC 4's order); the page is read alongside the player lookup.
    const page = accountPage(playerId, req.query);
    const known = knownPlayer(playerId);
    const [body] = await Promise.all([page, known]);
    res.json(body);
  };

  const playerSlips: LoyaltyHandlers['playerSlips'] = async ({ params: { playerId } }, res) => {
    const [slips] = await Promise.all([d.loyalty.slips(playerId), knownPlayer(playerId)]);
    res.json(slips satisfies SlipView[]);
  };

  const slipRequest =
    (kind: 'slip-close' | 'slip-recover'): LoyaltyHandlers['closeSlip'] & LoyaltyHandlers['recoverSlip'] =>
    async ({ principal: { staffId }, params: { slipId } }, res) => {
      if (!SLIP_ID.test(slipId)) throw new ApiError('unknown_slip', `unknown slip ${slipId}`);
      const reply = await d.askLoyalty({ kind, data: { slipId, staffId, correlationId: correlationId() } });
      send(res, reply && slipAnswer(kind, reply));
    };

  // The player's existence is the gateway's to tell (it owns players); loyalty answers 404 after its replay check.
  const reward: LoyaltyHandlers['reward'] = async ({ principal: { staffId }, body, headers }, res) => {
    const playerKnown = await d.players.exists(body.playerId);
    const reply = await d.askLoyalty({
      kind: 'reward',
      data: {
        playerId: body.playerId,
        playerKnown,
        staffId,
        points: body.points,
        reason: body.reason,
        idempotencyKey: headers['Idempotency-Key'] ?? null,
        requestedAt: Date.now(),
        correlationId: correlationId(),
      },
    });
    send(res, reply && rewardAnswer(reply));
  };

  return { meLoyalty, playerLoyalty, playerSlips, closeSlip: slipRequest('slip-close'), recoverSlip: slipRequest('slip-recover'), reward };
}
