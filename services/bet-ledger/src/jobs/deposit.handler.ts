import type { DepositJob, DepositResult, RedisKeys } from '@wagerflow/contracts';
import { withTransaction, type Pool } from '@wagerflow/db';
import type { Redis } from '@wagerflow/queue';
import type { BalanceCache } from '../repositories/balance-cache.js';
import { applyDeposit } from '../repositories/deposit.repository.js';

/** Deposits are rare: one transaction each, by the same single writer as bets. */
export function depositHandler(deps: { pool: Pool; redis: Redis; keys: RedisKeys; cache: BalanceCache }) {
  return async (data: DepositJob): Promise<DepositResult> => {
    const { result, walletSeq } = await withTransaction(deps.pool, (client) => applyDeposit(client, data, Date.now()));
    if (result.ok && !result.replay) {
      const pipeline = deps.redis.pipeline();
      deps.cache.queue(pipeline, [{ playerId: data.playerId, balance: result.balance, seq: walletSeq }]);
      await pipeline.exec();
    }
    return result;
  };
}
