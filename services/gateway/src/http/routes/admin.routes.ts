import { randomBytes, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import {
  adminTickBody,
  createPlayerBody,
  createStaffBody,
  depositBody,
  createPlayerResponse,
  depositResponse,
  createStaffResponse,
  reconciliationResponse,
  tickAcceptedResponse,
} from '@wagerflow/contracts';
import { currentCorrelationId } from '@wagerflow/runtime';
import { hashToken } from '../auth.js';
import { ApiError } from '../api-error.js';
import { parseJsonBody, readRawBody } from '../body.js';
import type { RouteDeps } from './route-deps.js';

const TICK_FUTURE_MS = 1_000;

export function adminRoutes(d: RouteDeps) {
  async function createPlayer(req: Request, res: Response): Promise<void> {
    const raw = await readRawBody(req);
    await d.auth.admin(req, raw);
    const body = parseJsonBody(req, raw, createPlayerBody);
    const playerId = randomUUID();
    const apiKey = `ak_${randomBytes(16).toString('hex')}`;
    const apiSecret = randomBytes(32).toString('hex');
    await d.players.create({
      id: playerId,
      displayName: body.displayName,
      apiKey,
      apiSecretSealed: d.secretBox.seal(apiSecret),
      now: Date.now(),
    });
    res.status(201).json({ playerId, apiKey, apiSecret } satisfies z.output<typeof createPlayerResponse>);
  }

  async function deposit(req: Request, res: Response): Promise<void> {
    const raw = await readRawBody(req);
    await d.auth.admin(req, raw);
    const body = parseJsonBody(req, raw, depositBody);
    const playerId = String(req.params.playerId);
    if (!(await d.players.exists(playerId))) throw new ApiError('unknown_player', `unknown player ${playerId}`);
    const result = await d.deposit(playerId, body.amount, body.reference, currentCorrelationId() ?? randomUUID());
    if (!result) throw new ApiError('timeout', 'the ledger did not answer in time; retrying with the same reference is safe');
    if (!result.ok) throw new ApiError('idempotency_key_reused', 'this reference was used with a different amount');
    res
      .status(result.replay ? 200 : 201)
      .json({ depositId: result.depositId, balance: result.balance } satisfies z.output<typeof depositResponse>);
  }

  async function createStaff(req: Request, res: Response): Promise<void> {
    const raw = await readRawBody(req);
    await d.auth.admin(req, raw);
    const body = parseJsonBody(req, raw, createStaffBody);
    const staffId = randomUUID();
    const token = `st_${randomBytes(24).toString('hex')}`;
    await d.staff.create({ id: staffId, name: body.name, role: body.role, tokenHash: hashToken(token), now: Date.now() });
    res.status(201).json({ staffId, token } satisfies z.output<typeof createStaffResponse>);
  }

  async function reconciliation(req: Request, res: Response): Promise<void> {
    const raw = await readRawBody(req);
    await d.auth.admin(req, raw);
    const wallets = await d.ledger.walletDrift();
    // The loyalty ledger arrives with the loyalty service; until then it holds no accounts.
    res.json({ wallets, loyalty: { checked: 0, drift: 0 } } satisfies z.output<typeof reconciliationResponse>);
  }

  async function tick(req: Request, res: Response): Promise<void> {
    const raw = await readRawBody(req);
    await d.auth.admin(req, raw);
    const body = parseJsonBody(req, raw, adminTickBody);
    const marketId = String(req.params.marketId);
    if (!d.rules.markets.includes(marketId)) throw new ApiError('unknown_market', `unknown market ${marketId}`);
    const now = Date.now();
    if (body.ts !== undefined) {
      const market = await d.redis.market(marketId);
      if (body.ts > now + TICK_FUTURE_MS || (market.lastTickAt != null && body.ts < market.lastTickAt)) {
        throw new ApiError('validation_failed', 'ts must lie in [previous tick ts, now + 1 s]', [{ path: 'ts', message: 'out of range' }]);
      }
    }
    await d.enqueueTick({ marketId, price: body.price, ts: body.ts ?? null, receivedAt: now });
    res.status(202).json({ accepted: true } satisfies z.output<typeof tickAcceptedResponse>);
  }

  return { createPlayer, deposit, createStaff, reconciliation, tick };
}
