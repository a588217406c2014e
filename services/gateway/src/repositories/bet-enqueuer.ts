import { context, type Context } from '@opentelemetry/api';
import type { BetIntent, RedisKeys } from '@wagerflow/contracts';
import { addInTransaction, Batcher, type TypedQueue } from '@wagerflow/queue';
import { injectTraceContext } from '@wagerflow/runtime';
import type { PendingRecord } from './redis-state.js';

interface Submission {
  record: PendingRecord;
  intent: BetIntent;
  /** Redis time (ms) after which the claim is refused (CLAIM_MAX_AGE_MS after the request's lookups). */
  claimBy: number;
  ctx: Context;
}

/** claimed: the key is ours and the bet is queued; taken: a concurrent duplicate holds it; expired: too late, nothing placed. */
export type ClaimResult = 'claimed' | 'taken' | 'expired';
const CLAIM_RESULTS: Record<number, ClaimResult> = { 1: 'claimed', 0: 'taken', [-1]: 'expired' };

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
 * list. ARGV: the record, the key, placedAt, clientBetId, claimBy. Returns 1 when claimed, 0 when the key is taken, -1
 * when Redis's clock is past claimBy (then nothing is written: the ledger drops an intent that has no record).
 */
const CLAIM = `
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[5]) then
  return -1
end
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
 * Resolves with what the claim did (ClaimResult).
 */
export function createBetEnqueuer(o: BetEnqueuerOptions): {
  enqueue(record: PendingRecord, intent: BetIntent, claimBy: number): Promise<ClaimResult>;
  close(): Promise<void>;
} {
  async function flush(items: Submission[]): Promise<ClaimResult[]> {
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
          for (const { record, intent, claimBy } of firsts) {
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
              claimBy,
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
    const results = new Map(
      firsts.map((s, i) => {
        const result = CLAIM_RESULTS[Number(replies[i])];
        if (!result) throw new Error(`unexpected claim reply ${String(replies[i])}`);
        return [s, result];
      }),
    );
    // A later duplicate of a key in this batch lost to the first.
    return items.map((s) => results.get(s) ?? 'taken');
  }

  const batcher = new Batcher<Submission, ClaimResult>({ maxSize: o.maxBetsPerJob, maxWaitMs: 0, flush });
  return {
    enqueue: (record, intent, claimBy) => batcher.submit({ record, intent, claimBy, ctx: context.active() }),
    close: () => batcher.close(),
  };
}
