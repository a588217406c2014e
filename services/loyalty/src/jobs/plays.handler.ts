import { context } from '@opentelemetry/api';
import type { PlaysJob } from '@wagerflow/contracts';
import type { Batcher } from '@wagerflow/queue';
import { extractTraceContext } from '@wagerflow/runtime';
import type { PlayItem } from '../play-batch.js';

/** Hand every play of the job to the group-commit batcher; the job completes when all are durable. */
export function playsHandler(batcher: Batcher<PlayItem, void>) {
  return async (data: PlaysJob): Promise<void> => {
    const ctx = context.active();
    await Promise.all(
      data.plays.map((play) =>
        batcher.submit({ play, ctx: play.traceparent ? extractTraceContext({ traceparent: play.traceparent }) : ctx }),
      ),
    );
  };
}
