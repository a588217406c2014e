import type { BetIntent, RedisKeys } from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';

/**
 * What the gateway's claim leaves before it queues a bet: the key's pending record naming the bet (SET NX, so a key
 * claimed or stored already keeps its record or marker). The ledger decides only bets whose claim it can see.
 */
export async function claimKeys(redis: Redis, keys: RedisKeys, bets: readonly BetIntent[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const b of bets) {
    pipeline.set(
      keys.pendingBet(b.playerId, b.clientBetId),
      JSON.stringify({ betId: b.betId, playerId: b.playerId, clientBetId: b.clientBetId }),
      'NX',
    );
  }
  await pipeline.exec();
}
