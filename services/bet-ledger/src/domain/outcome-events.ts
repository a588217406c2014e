import { bpsToMultiplier, type PlayerEvent } from '@wagerflow/contracts';
import type { StoredOutcome } from '../repositories/bets.repository.js';

/** The event a stored outcome publishes: the same for the first publish and every redelivery. */
export function outcomeEvent(o: StoredOutcome, trace: { traceparent?: string; tracestate?: string }): PlayerEvent {
  if (o.status === 'confirmed') {
    return {
      type: 'bet:confirmed',
      playerId: o.playerId,
      betId: o.betId,
      clientBetId: o.clientBetId,
      multiplier: bpsToMultiplier(o.multiplierBps),
      balance: o.balanceAfter ?? 0,
      walletSeq: o.walletSeq ?? 0,
      ...trace,
    };
  }
  return {
    type: 'bet:rejected',
    playerId: o.playerId,
    betId: o.betId,
    clientBetId: o.clientBetId,
    reason: o.reason ?? 'rejected',
    ...trace,
  };
}
