import { randomUUID } from 'node:crypto';
import type { BetIntent } from '@wagerflow/contracts';

/** The window the factories bet on: far in the future, so no test reaches its lockout. */
export const TEST_WINDOW_START = 9_999_990_000;

/** A bet as the gateway queues it (BTC-USD, band 4000 of the far window, 10 at 2.15×); override what a test needs. */
export function betIntent(over: Partial<BetIntent> = {}): BetIntent {
  return {
    betId: randomUUID(),
    playerId: randomUUID(),
    clientBetId: randomUUID(),
    marketId: 'BTC-USD',
    cellId: `BTC-USD:${TEST_WINDOW_START}:4000`,
    windowStart: TEST_WINDOW_START,
    bandIndex: 4000,
    priceLow: 100_000,
    priceHigh: 100_025,
    stake: 10,
    multiplierBps: 21_500,
    minMultiplierBps: null,
    lockoutAt: Date.now() + 3_600_000,
    acceptedAt: Date.now(),
    correlationId: randomUUID(),
    ...over,
  };
}
