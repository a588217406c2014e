import { context, type Context } from '@opentelemetry/api';
import { JOB_OPTIONS, type BetIntent, type RedisKeys } from '@wagerflow/contracts';
import { createPendingBets, recordOf, type ClaimResult } from '@wagerflow/pending-bets';
import { addInTransaction, Batcher, type TypedQueue } from '@wagerflow/queue';
import { injectTraceContext } from '@wagerflow/runtime';

interface Submission {
  intent: BetIntent;
  /** Redis time (ms) after which the claim is refused (CLAIM_MAX_AGE_MS after the request's lookups). */
  claimBy: number;
  ctx: Context;
}

export type { ClaimResult };

export interface BetEnqueuerOptions {
  queue: TypedQueue<'ledger'>;
  keys: RedisKeys;
  /** Most bets in one job (and one MULTI). */
  maxBetsPerJob: number;
  /** While bets keep coming, how long a job waits for more (GATEWAY_BATCH_WAIT_MS; 0: only the bets of one turn). */
  batchWaitMs: number;
}

const keyOf = (b: BetIntent) => `${b.playerId}|${b.clientBetId}`;

/**
 * Queues accepted bets for the ledger, several per job: while bets keep coming, those that arrive within
 * `batchWaitMs` (or while the previous MULTI is in flight) share one MULTI and one `place-bets` job; a lone bet goes at
 * the end of its event-loop turn. BullMQ's per-job cost (add, fetch, lock, complete) and the ledger's per-batch cost
 * (a transaction, a loyalty job) are then paid once per batch, not once per bet (what the wait saves and costs is
 * measured in the README's Performance section, session 12). Each bet still claims its own idempotency key with
 * a conditional write (the pending-bets claim) in the same MULTI as the job, so a bet is queued if and only if its record is written;
 * an intent whose key was taken by a concurrent duplicate rides along and the ledger drops it (the record names the
 * winner).
 * Resolves with what the claim did (ClaimResult).
 */
export function createBetEnqueuer(o: BetEnqueuerOptions): {
  enqueue(intent: BetIntent, claimBy: number): Promise<ClaimResult>;
  close(): Promise<void>;
} {
  const pending = createPendingBets(o.keys);
  async function flush(items: Submission[]): Promise<ClaimResult[]> {
    // The same key twice in one batch: only the first goes in; the others lost already.
    const seen = new Set<string>();
    const firsts = items.filter((s) => !seen.has(keyOf(s.intent)) && seen.add(keyOf(s.intent)));
    const lead = firsts[0]!;
    // The job is queued under the first bet's trace; every other bet carries its own request's trace context.
    const bets = firsts.map((s) => (s === lead ? s.intent : { ...s.intent, traceparent: injectTraceContext(s.ctx).traceparent }));
    const replies = await context.with(lead.ctx, () =>
      addInTransaction(
        o.queue,
        (multi) => {
          // The pending record is what the intent says (recordOf): the ledger and the gateway's reads agree on it.
          for (const { intent, claimBy } of firsts) pending.queueClaim(multi, recordOf(intent), intent, claimBy);
        },
        'place-bets',
        { bets },
        JOB_OPTIONS.ledger.placeBets(lead.intent.betId),
      ),
    );
    const results = new Map(firsts.map((s, i) => [s, pending.claimResult(replies[i])]));
    // A later duplicate of a key in this batch lost to the first.
    return items.map((s) => results.get(s) ?? 'taken');
  }

  const batcher = new Batcher<Submission, ClaimResult>({
    maxSize: o.maxBetsPerJob,
    maxWaitMs: o.batchWaitMs,
    waitOnlyWhenBusy: true,
    flush,
  });
  return {
    enqueue: (intent, claimBy) => batcher.submit({ intent, claimBy, ctx: context.active() }),
    close: () => batcher.close(),
  };
}
