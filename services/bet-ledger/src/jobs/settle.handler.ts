import { DelayedError, type Job } from 'bullmq';
import { CHANNELS, playerEventMessages, type PlayerEvent, type RedisKeys, type SettleWindowJob } from '@wagerflow/contracts';
import { withTransaction, type Pool } from '@wagerflow/db';
import type { Redis } from '@wagerflow/queue';
import { currentTraceId, injectTraceContext, type Logger } from '@wagerflow/runtime';
import { voidPlay } from '../domain/loyalty-plays.js';
import { creditResults, settleResults } from '../domain/settlement.js';
import type { PlaysSender } from '../loyalty-plays-sender.js';
import type { BalanceCache } from '../repositories/balance-cache.js';
import { lockWallets } from '../repositories/bets.repository.js';
import {
  creditWallets,
  dropCellExposure,
  insertSettlementEntries,
  lockWindow,
  markSettled,
  openBetsOfWindow,
  recordSettlement,
  settledInWindow,
  type SettledView,
} from '../repositories/settlement.repository.js';

export interface SettleDeps {
  pool: Pool;
  redis: Redis;
  keys: RedisKeys;
  cache: BalanceCache;
  logger: Logger;
  /** Queues voided bets for loyalty, which takes them back out of their slips (SPEC 4.7). */
  sendPlays: PlaysSender;
  chunkSize: number;
  /** How long to wait before looking again when bets of the window are still queued. */
  pendingRetryMs: number;
  onSettled?: (count: number) => void;
  /** TEST ONLY: probability of SIGKILL after a settlement chunk commits, before its events are published. */
  faultKillAfterChunk?: number;
}

/**
 * Settle one market window (SPEC 3): only once no bet of it is still queued; then chunk by chunk, each its own
 * transaction: lock the window, read its open bets, mark them, drop their cells' exposure rows, then lock their
 * wallets in id order and credit payouts and refunds with wallet entries (the wallets, which bet batches wait for,
 * are held the shortest time; cells before wallets, the order bet batches take them in). After each commit it
 * publishes `bet:settled` and queues the voids' loyalty plays. Settled bets are never touched again, so a redelivered
 * job finishes the rest; it first re-publishes the window's settled bets and re-sends their voids, which a crash may
 * have lost.
 */
export function settleHandler(deps: SettleDeps) {
  async function publish(views: SettledView[]): Promise<void> {
    const channel = deps.keys.channel(CHANNELS.playerEvents);
    const trace = injectTraceContext();
    const pipeline = deps.redis.pipeline();
    const events = views.map((v): PlayerEvent => ({
      type: 'bet:settled',
      playerId: v.playerId,
      betId: v.betId,
      clientBetId: v.clientBetId,
      result: v.result,
      payout: v.payout,
      balance: v.balance,
      walletSeq: v.walletSeq,
      ...trace,
    }));
    for (const message of playerEventMessages(events)) pipeline.publish(channel, message);
    const replies = await pipeline.exec();
    const failed = replies?.find(([err]) => err);
    if (failed) throw failed[0] as Error;
  }

  return async (data: SettleWindowJob, job: Job, token?: string): Promise<{ settled: number }> => {
    const queued = await deps.redis.scard(deps.keys.pendingWindow(data.marketId, data.windowStart));
    if (queued > 0) {
      await job.moveToDelayed(Date.now() + deps.pendingRetryMs, token);
      throw new DelayedError(`${queued} bets of the window are still queued`);
    }
    const traceId = currentTraceId() ?? String(job.id);
    const first = await withTransaction(deps.pool, (c) => recordSettlement(c, data, traceId, Date.now()));
    if (!first) {
      const done = await withTransaction(deps.pool, (c) => settledInWindow(c, data.marketId, data.windowStart));
      await publish(done);
      // Whole window at once, in jobs named by their bets: a second redelivery re-sends the same jobs.
      await deps.sendPlays(done.filter((v) => v.result === 'void').map(voidPlay));
    }
    const evidence = { touchedBands: new Set(data.touchedBands), voidReason: data.voidReason };
    let total = 0;
    for (;;) {
      const chunk = await withTransaction(
        deps.pool,
        async (client) => {
          await lockWindow(client, data.marketId, data.windowStart);
          const open = await openBetsOfWindow(client, data.marketId, data.windowStart, deps.chunkSize);
          if (open.length === 0) return null;
          const now = Date.now();
          // The bets' results and the cells' exposure first: bet batches never wait on those rows. The wallets, which
          // every bet batch of these players needs too, are locked last, for the credits and entries alone.
          const results = settleResults(open, evidence);
          await markSettled(client, results, now);
          await dropCellExposure(client, [...new Set(open.map((b) => b.cellId))]);
          const wallets = await lockWallets(client, [...new Set(open.map((b) => b.playerId))].sort());
          const { settled, credits } = creditResults(results, wallets);
          const byId = new Map(open.map((b) => [b.betId, b]));
          await creditWallets(client, credits, now);
          await insertSettlementEntries(
            client,
            settled.map((s) => ({ ...s, correlationId: byId.get(s.betId)!.correlationId })),
            traceId,
            now,
          );
          const finalBalance = new Map(credits.map((c) => [c.playerId, c]));
          const views: SettledView[] = settled.map((s) => ({
            betId: s.betId,
            playerId: s.playerId,
            clientBetId: byId.get(s.betId)!.clientBetId,
            result: s.result,
            payout: s.payout,
            balance: s.entry?.balanceAfter ?? finalBalance.get(s.playerId)!.balance,
            walletSeq: s.entry?.seq ?? finalBalance.get(s.playerId)!.seq,
          }));
          const voids = settled
            .filter((s) => s.result === 'void')
            .map((s) => voidPlay({ ...s, settledAt: now, correlationId: byId.get(s.betId)!.correlationId }));
          return { views, credits, voids };
        },
        // Cached plans: the entries' foreign-key checks (one a payout, under the wallets' locks) are not re-planned.
        // Every other statement here is unnamed, so it is planned afresh each time anyway.
        { cachedPlans: true },
      );
      if (!chunk) break;
      if ((deps.faultKillAfterChunk ?? 0) > 0 && Math.random() < deps.faultKillAfterChunk!) {
        deps.logger.warn('fault injection: SIGKILL after a settlement chunk committed');
        process.kill(process.pid, 'SIGKILL');
      }
      await publish(chunk.views);
      const pipeline = deps.redis.pipeline();
      deps.cache.queue(
        pipeline,
        chunk.credits.map((c) => ({ playerId: c.playerId, balance: c.balance, seq: c.seq })),
      );
      await pipeline.exec();
      // After the cache, so that a failure here costs a retry (which re-sends these voids) but no cache update.
      await deps.sendPlays(chunk.voids);
      total += chunk.views.length;
      deps.onSettled?.(chunk.views.length);
    }
    deps.logger.info(
      { marketId: data.marketId, windowStart: data.windowStart, settled: total, voidReason: data.voidReason },
      'window settled',
    );
    return { settled: total };
  };
}
