import { randomUUID } from 'node:crypto';
import type { ApiResponse } from '../http-types.js';
import type { z } from 'zod';
import {
  CLAIM_DEADLINE_AFTER_SIGNED_MS,
  CLAIM_MAX_AGE_MS,
  betByClientIdQuery,
  betListQuery,
  bpsToMultiplier,
  type BetIntent,
  type BetView,
  type PlaceBetBody,
  placeBetAccepted,
  betPageResponse,
} from '@wagerflow/contracts';
import { currentCorrelationId } from '@wagerflow/runtime';
import { acceptBet, sameBetBody } from '../../domain/bet-acceptance.js';
import type { PendingRecord } from '../../repositories/redis-state.js';
import { ApiError } from '../api-error.js';
import { validate } from '../body.js';
import { prefetching, type RouteHandlers } from '../router.js';
import type { RouteDeps } from './route-deps.js';

function pendingView(p: PendingRecord): BetView {
  return {
    betId: p.betId,
    clientBetId: p.clientBetId,
    marketId: p.marketId,
    cellId: p.cellId,
    stake: p.stake,
    multiplier: bpsToMultiplier(p.multiplierBps),
    status: 'pending',
    reason: null,
    result: null,
    payout: null,
    placedAt: p.placedAt,
    confirmedAt: null,
    settledAt: null,
    updatedAt: p.placedAt,
  };
}

function decodeCursor(cursor: string): { updatedAt: number; id: string } {
  const [updatedAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const n = Number(updatedAt);
  if (!id || !Number.isSafeInteger(n))
    throw new ApiError('validation_failed', 'invalid cursor', [{ path: 'cursor', message: 'invalid cursor' }]);
  return { updatedAt: n, id };
}
/** Pending bets read per listing (a player has few in flight; the gateway's own cap on a page is 1 000). */
const PENDING_LIST_MAX = 5_000;
const byChange = (a: BetView, b: BetView) => a.updatedAt - b.updatedAt || (a.betId < b.betId ? -1 : a.betId > b.betId ? 1 : 0);
const afterCursor = (v: BetView, c: { updatedAt: number; id: string }) =>
  v.updatedAt > c.updatedAt || (v.updatedAt === c.updatedAt && v.betId > c.id);
const encodeCursor = (b: BetView) => Buffer.from(`${b.updatedAt}|${b.betId}`).toString('base64url');

type BetHandlers = Pick<RouteHandlers, 'placeBet' | 'getBet' | 'listBets'>;

export function betRoutes(d: RouteDeps): BetHandlers {
  /**
   * Current view of a bet by clientBetId: the pending record first, then the ledger (a bet whose
   * record is gone has its outcome stored: the ledger deletes the record only after commit).
   */
  async function viewByClientId(
    playerId: string,
    clientBetId: string,
  ): Promise<{ view: BetView; minMultiplierBps: number | null } | 'archived' | null> {
    const pending = await d.redis.pendingByClientId(playerId, clientBetId);
    const stored = await d.ledger.lookupClientId(playerId, clientBetId);
    if (stored) return stored;
    return pending ? { view: pendingView(pending), minMultiplierBps: pending.minMultiplierBps } : null;
  }

  function replayOrConflict(res: ApiResponse, body: PlaceBetBody, existing: { view: BetView; minMultiplierBps: number | null }) {
    if (!sameBetBody(body, { ...existing.view, minMultiplierBps: existing.minMultiplierBps })) {
      throw new ApiError('idempotency_key_reused', 'this clientBetId was used with a different body');
    }
    res.status(200).json(existing.view);
  }

  // The bet's reads go with the nonce's script (one Redis write). Postgres is read after them, and only when the
  // player's key filter cannot prove the key unused: a key the filter calls new was never claimed, so no bet holds it.
  // A bet the ledger stores before the Redis reads is in Postgres when it is read; one stored after them was pending
  // at them. A key the filter calls new but Redis still holds (a filter that lost bits in a Redis crash while the
  // ledger stored the bet, whose marker then says so) is read in Postgres at once: its claim would fail on the marker.
  const placeBet: BetHandlers['placeBet'] = prefetching(
    async ({ playerId, body }) => {
      const ctx = await d.redis.betContext(playerId, body.clientBetId, body.marketId);
      if (ctx.keyCheck === 'new' && !ctx.storedMarker && !ctx.pending) return { ctx, stored: null };
      return { ctx, stored: await d.ledger.lookupClientId(playerId, body.clientBetId) };
    },
    async ({ principal: { playerId, signedAt }, body }, { ctx, stored }, res) => {
      // Built only for a request whose nonce was fresh: a refused one changes nothing (SPEC 4.2).
      if (ctx.keyCheck === 'unfiltered') void d.keyFilters?.request(playerId);
      // The key of a bet moved to the archive (SPEC 5): never placed again as a new bet.
      if (stored === 'archived') throw new ApiError('archived', 'this clientBetId names an archived bet');
      const existing = stored ?? (ctx.pending ? { view: pendingView(ctx.pending), minMultiplierBps: ctx.pending.minMultiplierBps } : null);
      if (existing) return replayOrConflict(res, body, existing);

      const now = Date.now();
      const decision = acceptBet(body, d.rules, ctx.market, ctx.cachedBalance, now);
      if (!decision.ok) throw new ApiError(decision.code, decision.message);

      const betId = randomUUID();
      const intent: BetIntent = {
        betId,
        playerId,
        clientBetId: body.clientBetId,
        marketId: body.marketId,
        cellId: body.cellId,
        windowStart: decision.cell.windowStart,
        bandIndex: decision.cell.bandIndex,
        priceLow: decision.priceLow,
        priceHigh: decision.priceHigh,
        stake: body.stake,
        multiplierBps: decision.multiplierBps,
        minMultiplierBps: decision.minMultiplierBps,
        lockoutAt: decision.lockoutAt,
        acceptedAt: now,
        correlationId: currentCorrelationId() ?? betId,
      };
      const claimBy = Math.min(ctx.readAtMs + CLAIM_MAX_AGE_MS, signedAt + CLAIM_DEADLINE_AFTER_SIGNED_MS);
      const claim = await d.enqueueBet(intent, claimBy);
      if (claim === 'expired') {
        // Nothing was placed; a retry (same clientBetId) starts from fresh reads.
        throw new ApiError('service_unavailable', 'the bet took too long to reach the queue and was not placed; retry');
      }
      if (claim === 'taken') {
        // A concurrent request with the same clientBetId won the race: answer as its replay.
        const winner = await viewByClientId(playerId, body.clientBetId);
        if (!winner || winner === 'archived') throw new ApiError('service_unavailable', 'bet state unavailable; retry');
        return replayOrConflict(res, body, winner);
      }
      res.status(202).json({
        betId,
        clientBetId: body.clientBetId,
        status: 'pending',
        multiplier: bpsToMultiplier(decision.multiplierBps),
      } satisfies z.output<typeof placeBetAccepted>);
    },
  );

  const getBet: BetHandlers['getBet'] = async ({ principal: { playerId }, params: { betId } }, res) => {
    const pending = await d.redis.pendingByBetId(betId);
    const stored = await d.ledger.betById(playerId, betId);
    if (stored) return void res.json(stored.view);
    if (pending && pending.playerId === playerId) return void res.json(pendingView(pending));
    if (await d.ledger.isArchived(playerId, betId)) throw new ApiError('archived', 'this bet was archived');
    throw new ApiError('not_found', 'no such bet');
  };

  const listBets: BetHandlers['listBets'] = async ({ principal: { playerId } }, res, req) => {
    const query = req.query;
    if (query.clientBetId !== undefined) {
      const { clientBetId } = validate(betByClientIdQuery, query);
      const found = await viewByClientId(playerId, clientBetId);
      if (found === 'archived') throw new ApiError('archived', 'this bet was archived');
      if (!found) throw new ApiError('not_found', 'no such bet');
      return void res.json(found.view);
    }
    const q = validate(betListQuery, query);
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    // Redis first, then Postgres: a bet the ledger stores in between is then in Postgres (its pending entries go only
    // after commit), never in neither.
    const pending = await d.redis.pendingFrom(playerId, Math.max(q.since, after?.updatedAt ?? 0), PENDING_LIST_MAX);
    const stored = await d.ledger.betsSince(playerId, q.since, after, q.limit + 1);
    // Pending bets live in Redis until the ledger stores them: merged in, by the same (updatedAt, id) order and cursor.
    const storedKeys = new Set(stored.map((b) => b.clientBetId));
    const bets = [
      ...stored,
      ...pending.map(pendingView).filter((v) => !storedKeys.has(v.clientBetId) && (!after || afterCursor(v, after))),
    ].sort(byChange);
    const page = bets.slice(0, q.limit);
    const last = page[page.length - 1];
    res.json({ bets: page, nextCursor: bets.length > q.limit && last ? encodeCursor(last) : null } satisfies z.output<
      typeof betPageResponse
    >);
  };

  return { placeBet, getBet, listBets };
}
