import type { Job } from 'bullmq';
import { CHANNELS, type DepositDoneEvent, type DepositJob, type DepositResult, type RedisKeys } from '@wagerflow/contracts';
import { withTransaction, type Pool } from '@wagerflow/db';
import type { Redis } from '@wagerflow/queue';
import type { BalanceCache } from '../repositories/balance-cache.js';
import { applyDeposit } from '../repositories/deposit.repository.js';

/**
 * Deposits are rare: one transaction each, by the same single writer as bets. The result is the job's return value
 * and is published for the gateway request waiting on it (a redelivery publishes the stored result again).
 */
export function depositHandler(deps: { pool: Pool; redis: Redis; keys: RedisKeys; cache: BalanceCache }) {
  return async (data: DepositJob, job: Job): Promise<DepositResult> => {
    const { result, walletSeq } = await withTransaction(deps.pool, (client) => applyDeposit(client, data, Date.now()));
    const pipeline = deps.redis.pipeline();
    if (result.ok && !result.replay) deps.cache.queue(pipeline, [{ playerId: data.playerId, balance: result.balance, seq: walletSeq }]);
    const done: DepositDoneEvent = { jobId: String(job.id), result };
    pipeline.publish(deps.keys.channel(CHANNELS.depositResults), JSON.stringify(done));
    await pipeline.exec();
    return result;
  };
}
