import { randomBytes, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  TICK_FUTURE_TOLERANCE_MS,
  archiveRunAccepted,
  createPlayerResponse,
  depositResponse,
  createStaffResponse,
  reconciliationResponse,
  tickAcceptedResponse,
} from '@wagerflow/contracts';
import { currentCorrelationId } from '@wagerflow/runtime';
import { hashToken } from '../auth.js';
import { ApiError } from '../api-error.js';
import type { RouteHandlers } from '../router.js';
import type { RouteDeps } from './route-deps.js';

type AdminHandlers = Pick<
  RouteHandlers,
  'createPlayer' | 'deposit' | 'createStaff' | 'reconciliation' | 'postTick' | 'archiveRun' | 'archiveRunStatus'
>;

export function adminRoutes(d: RouteDeps): AdminHandlers {
  const createPlayer: AdminHandlers['createPlayer'] = async ({ body }, res) => {
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
  };

  const deposit: AdminHandlers['deposit'] = async ({ body, params: { playerId } }, res) => {
    if (!(await d.players.exists(playerId))) throw new ApiError('unknown_player', `unknown player ${playerId}`);
    const result = await d.deposit(playerId, body.amount, body.reference, currentCorrelationId() ?? randomUUID());
    if (!result) throw new ApiError('timeout', 'the ledger did not answer in time; retrying with the same reference is safe');
    if (!result.ok) throw new ApiError('idempotency_key_reused', 'this reference was used with a different amount');
    res
      .status(result.replay ? 200 : 201)
      .json({ depositId: result.depositId, balance: result.balance } satisfies z.output<typeof depositResponse>);
  };

  const createStaff: AdminHandlers['createStaff'] = async ({ body }, res) => {
    const staffId = randomUUID();
    const token = `st_${randomBytes(24).toString('hex')}`;
    await d.staff.create({ id: staffId, name: body.name, role: body.role, tokenHash: hashToken(token), now: Date.now() });
    res.status(201).json({ staffId, token } satisfies z.output<typeof createStaffResponse>);
  };

  const reconciliation: AdminHandlers['reconciliation'] = async (_input, res) => {
    const [wallets, loyalty] = await Promise.all([d.ledger.walletDrift(), d.loyalty.drift()]);
    res.json({ wallets, loyalty } satisfies z.output<typeof reconciliationResponse>);
  };

  const postTick: AdminHandlers['postTick'] = async ({ body, params: { marketId } }, res) => {
    if (!d.rules.markets.includes(marketId)) throw new ApiError('unknown_market', `unknown market ${marketId}`);
    const now = Date.now();
    if (body.ts !== undefined) {
      const market = await d.redis.market(marketId);
      if (body.ts > now + TICK_FUTURE_TOLERANCE_MS || (market.lastTickAt != null && body.ts < market.lastTickAt)) {
        throw new ApiError('validation_failed', 'ts must lie in [previous tick ts, now + 1 s]', [{ path: 'ts', message: 'out of range' }]);
      }
    }
    await d.enqueueTick({ marketId, price: body.price, ts: body.ts ?? null, receivedAt: now });
    res.status(202).json({ accepted: true } satisfies z.output<typeof tickAcceptedResponse>);
  };

  const archiveRun: AdminHandlers['archiveRun'] = async (_input, res) => {
    const runId = await d.archive.requestRun('admin');
    res.status(202).json({ runId } satisfies z.output<typeof archiveRunAccepted>);
  };

  const archiveRunStatus: AdminHandlers['archiveRunStatus'] = async ({ params: { runId } }, res) => {
    const run = await d.archive.run(runId);
    if (!run) throw new ApiError('not_found', `no archive run ${runId}`);
    res.json(run);
  };

  return { createPlayer, deposit, createStaff, reconciliation, postTick, archiveRun, archiveRunStatus };
}
