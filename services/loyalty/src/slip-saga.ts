import { randomUUID } from 'node:crypto';
import { context } from '@opentelemetry/api';
import { withTransaction, type Pool, type PoolClient } from '@wagerflow/db';
import { extractTraceContext, getTracer, withCorrelation, type Logger } from '@wagerflow/runtime';
import { postCredits } from './domain/loyalty-ledger.js';
import { accrualPoints, type AccrualRates } from './domain/points.js';
import { lockAccounts, writeEntries } from './repositories/accounts.repository.js';
import {
  closeIdleSlips,
  closeSlip,
  findSlip,
  idleSlips,
  lockSlip,
  recordAccrual,
  unaccruedSlips,
  type SlipRow,
} from './repositories/slips.repository.js';

/**
 * The rating slip's two-step saga (SPEC 4.7). Step 1 closes the slip (its own transaction); step 2 accrues its points
 * exactly once (the `loyalty_accruals` row, keyed by slip, written with the ledger entry). A crash between the steps
 * leaves a closed slip without accrual: the sweep's recovery (or the operator's recover button) replays step 2, and
 * the key makes a replay of an accrued slip a no-op.
 */
export interface SagaDeps {
  pool: Pool;
  rates: AccrualRates;
  logger: Logger;
  /** TEST ONLY: probability of SIGKILL after step 1 commits, before step 2. */
  faultKillAfterClose: number;
  metrics?: {
    closed(by: 'idle' | 'staff', n: number): void;
    accrued(path: 'close' | 'recovery', lagMs: number): void;
    failed(): void;
  };
}

export type AccrueResult = { kind: 'unknown' } | { kind: 'open'; slip: SlipRow } | { kind: 'done'; slip: SlipRow; accrued: boolean };

const SWEEP_PAGE = 500;

export function createSlipSaga(deps: SagaDeps) {
  const tracer = getTracer();

  /** The slip with its account locked first (the one lock order of the service); a slip's player never changes. */
  async function lockWithAccount(client: PoolClient, slipId: string, playerId: string) {
    const accounts = await lockAccounts(client, [playerId], Date.now());
    const slip = await lockSlip(client, slipId);
    return slip ? { slip, accounts } : null;
  }

  async function step2(slipId: string, recovered: boolean): Promise<AccrueResult> {
    const seen = await findSlip(deps.pool, slipId);
    if (!seen) return { kind: 'unknown' };
    // The accrual continues the trace of the bet that opened the slip: POST /v1/bets → ledger → slip → accrual.
    const parent = seen.traceparent ? extractTraceContext({ traceparent: seen.traceparent }) : context.active();
    const span = tracer.startSpan('loyalty.accrue', { attributes: { 'slip.id': slipId, 'loyalty.recovered': recovered } }, parent);
    try {
      return await withCorrelation(seen.correlationId, () =>
        withTransaction(deps.pool, async (client): Promise<AccrueResult> => {
          const locked = await lockWithAccount(client, slipId, seen.playerId);
          if (!locked) return { kind: 'unknown' };
          const { slip, accounts } = locked;
          if (slip.status === 'open') return { kind: 'open', slip };
          if (slip.accruedAt !== null) return { kind: 'done', slip, accrued: false };
          const now = Date.now();
          const points = accrualPoints(slip.wagered, deps.rates, slip.tierMultiplierBps);
          const entryId = points > 0 ? randomUUID() : null;
          if (
            !(await recordAccrual(client, {
              slipId,
              entryId,
              wagered: slip.wagered,
              points,
              recovered,
              correlationId: slip.correlationId,
              now,
            }))
          ) {
            return { kind: 'done', slip, accrued: false };
          }
          if (entryId) {
            const { entries, changed } = postCredits(
              accounts,
              [
                {
                  playerId: slip.playerId,
                  kind: 'accrual',
                  points,
                  staffId: null,
                  ratingSlipId: slip.id,
                  reason: `rating slip: ${slip.betCount} bets, ${slip.wagered} wagered, tier ${slip.tier}`,
                  correlationId: slip.correlationId,
                  idempotencyKey: `accrual:${slip.id}`,
                  fingerprint: null,
                  requestId: null,
                },
              ],
              () => entryId,
              now,
            );
            await writeEntries(client, entries, changed, now);
          }
          deps.metrics?.accrued(recovered ? 'recovery' : 'close', now - (slip.closedAt ?? now));
          if (recovered) deps.logger.info({ slipId, points }, 'recovered a closed slip left without accrual');
          return { kind: 'done', slip: { ...slip, points, accruedAt: now }, accrued: true };
        }),
      );
    } catch (err) {
      deps.metrics?.failed();
      span.recordException(err as Error);
      deps.logger.error({ err, slipId }, 'slip accrual failed; the recovery job will replay it');
      throw err;
    } finally {
      span.end();
    }
  }

  function maybeCrash(): void {
    if (deps.faultKillAfterClose > 0 && Math.random() < deps.faultKillAfterClose) {
      deps.logger.warn('fault injection: SIGKILL after a slip closed, before its accrual');
      process.kill(process.pid, 'SIGKILL');
    }
  }

  return {
    /** Staff close: step 1, then step 2. An already closed slip is answered as it is (no change). */
    async close(slipId: string, staffId: string): Promise<AccrueResult> {
      const seen = await findSlip(deps.pool, slipId);
      if (!seen) return { kind: 'unknown' };
      const closing = await withTransaction(deps.pool, async (client) => {
        const locked = await lockWithAccount(client, slipId, seen.playerId);
        if (!locked || locked.slip.status === 'closed') return { slip: locked?.slip ?? seen, closed: false };
        return { slip: await closeSlip(client, slipId, staffId, Date.now()), closed: true };
      });
      if (!closing.closed) return { kind: 'done', slip: closing.slip, accrued: false };
      deps.metrics?.closed('staff', 1);
      maybeCrash();
      const accrued = await step2(slipId, false);
      return accrued.kind === 'done' ? { ...accrued, accrued: true } : accrued;
    },

    /** Replay step 2 of a closed slip (the operator's recover button). */
    recover: (slipId: string): Promise<AccrueResult> => step2(slipId, true),

    /** Close slips idle since `idleBefore` and accrue them; then recover slips closed before `recoverBefore` without accrual. */
    async sweep(now: number, idleBefore: number, recoverBefore: number): Promise<{ closed: number; recovered: number }> {
      let closed = 0;
      for (;;) {
        const idle = await idleSlips(deps.pool, idleBefore, SWEEP_PAGE);
        if (idle.length === 0) break;
        const done = await withTransaction(deps.pool, async (client) => {
          await lockAccounts(
            client,
            idle.map((s) => s.playerId),
            now,
          );
          return closeIdleSlips(
            client,
            idle.map((s) => s.id),
            idleBefore,
            now,
          );
        });
        deps.metrics?.closed('idle', done.length);
        closed += done.length;
        maybeCrash();
        for (const slip of done) await step2(slip.id, false).catch(() => undefined);
        if (idle.length < SWEEP_PAGE) break;
      }
      let recovered = 0;
      for (const slip of await unaccruedSlips(deps.pool, recoverBefore, SWEEP_PAGE)) {
        const r = await step2(slip.id, true).catch(() => null);
        if (r?.kind === 'done' && r.accrued) recovered++;
      }
      return { closed, recovered };
    },
  };
}
export type SlipSaga = ReturnType<typeof createSlipSaga>;
