import { context } from '@opentelemetry/api';
import type { PlaceBetsJob } from '@wagerflow/contracts';
import type { Batcher } from '@wagerflow/queue';
import { extractTraceContext } from '@wagerflow/runtime';
import type { BatchItem } from '../bet-batch.js';

/**
 * Hand every bet of the job to the group-commit batcher; the job completes when all are durable. A bet that carries
 * its own request's trace context continues that trace; the others continue the job's.
 */
export function placeBetsHandler(batcher: Batcher<BatchItem, void>) {
  return async (data: PlaceBetsJob): Promise<void> => {
    const ctx = context.active();
    await Promise.all(
      data.bets.map((bet) => batcher.submit({ bet, ctx: bet.traceparent ? extractTraceContext({ traceparent: bet.traceparent }) : ctx })),
    );
  };
}
