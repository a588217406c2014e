import { context, type Context } from '@opentelemetry/api';
import type { BetIntent, RedisKeys } from '@wagerflow/contracts';
import { addInTransaction, Batcher, type TypedQueue } from '@wagerflow/queue';
import { injectTraceContext } from '@wagerflow/runtime';
import type { PendingRecord } from './redis-state.js';

interface Submission {
  record: PendingRecord;
  intent: BetIntent;
  ctx: Context;
}

export interface BetEnqueuerOptions {
  queue: TypedQueue<'ledger'>;
  keys: RedisKeys;
  /** Most bets in one job (and one MULTI). */
  maxBetsPerJob: number;
}

const keyOf = (r: PendingRecord) => `${r.playerId}|${r.clientBetId}`;

/**
 * Claim a bet's idempotency key: only when the pending record is new are its id and its window membership written
 * (settlement of the window waits until the ledger removes it) and its place in the player's pending list. A losing
 * duplicate, whatever cell it names, leaves nothing behind. KEYS: pending record, bet id, window set, player's pending
 * list. ARGV: the record, the key, placedAt, clientBetId. Returns 1 when claimed.
 */
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SET', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[2])
  redis.call('ZADD', KEYS[4], ARGV[3], ARGV[4])
  return 1
end
return 0`;

/**
 * Queues accepted bets for the ledger, several per job: the bets that arrive in one event-loop turn (or while the
 * previous MULTI is in flight) share one MULTI and one `place-bets` job. BullMQ's per-job cost (add, fetch, lock,
 * complete) is then paid once per batch, not once per bet. Each bet still claims its own idempotency key with
 * a conditional write (CLAIM) in the same MULTI as the job, so a bet is queued if and only if its record is written;
 * an intent whose key was taken by a concurrent duplicate rides along and the ledger drops it (the record names the
 * winner).
 * Resolves true when this submission won its key.
 */
export function createBetEnqueuer(o: BetEnqueuerOptions): {
  enqueue(record: PendingRecord, intent: BetIntent): Promise<boolean>;
  close(): Promise<void>;
} {
  async function flush(items: Submission[]): Promise<boolean[]> {
    // The same key twice in one batch: only the first goes in; the others lost already.
    const seen = new Set<string>();
    const firsts = items.filter((s) => !seen.has(keyOf(s.record)) && seen.add(keyOf(s.record)));
    const lead = firsts[0]!;
    // The job is queued under the first bet's trace; every other bet carries its own request's trace context.
    const bets = firsts.map((s) => (s === lead ? s.intent : { ...s.intent, traceparent: injectTraceContext(s.ctx).traceparent }));
    const replies = await context.with(lead.ctx, () =>
      addInTransaction(
        o.queue,
        (multi) => {
          for (const { record, intent } of firsts) {
            multi.eval(
              CLAIM,
              4,
              o.keys.pendingBet(record.playerId, record.clientBetId),
              o.keys.pendingBetId(record.betId),
              o.keys.pendingWindow(intent.marketId, intent.windowStart),
              o.keys.pendingByPlayer(record.playerId),
              JSON.stringify(record),
              keyOf(record),
              record.placedAt,
              record.clientBetId,
            );
          }
        },
        'place-bets',
        { bets },
        // Jobs of many bets are large: a completed one goes at once (a count would trim the whole queue's completed
        // list, deposits' stored results included). Failed ones keep the queue's default retention.
        { jobId: `bets-${lead.record.betId}`, removeOnComplete: true },
      ),
    );
    const won = new Map(firsts.map((s, i) => [s, replies[i] === 1]));
    return items.map((s) => won.get(s) ?? false);
  }

  const batcher = new Batcher<Submission, boolean>({ maxSize: o.maxBetsPerJob, maxWaitMs: 0, flush });
  return {
    enqueue: (record, intent) => batcher.submit({ record, intent, ctx: context.active() }),
    close: () => batcher.close(),
  };
}
