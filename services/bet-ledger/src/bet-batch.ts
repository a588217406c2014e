import { context, trace, type Context, type Link, type Span } from '@opentelemetry/api';
import type { BetIntent, RedisKeys } from '@wagerflow/contracts';
import { CHANNELS, playerEventMessages } from '@wagerflow/contracts';
import { withTransaction, type Pool } from '@wagerflow/db';
import { createPendingBets, type KeyOwner } from '@wagerflow/pending-bets';
import type { Redis } from '@wagerflow/queue';
import { getTracer, injectTraceContext, type Logger } from '@wagerflow/runtime';
import { betKey as keyOf, droppedIntents, freshIntents, isSuspended, needsStoredLookup } from './domain/batch-intake.js';
import { decideFirstFit, type Decision } from './domain/first-fit.js';
import { betPlay } from './domain/loyalty-plays.js';
import { outcomeEvent } from './domain/outcome-events.js';
import type { PlaysSender } from './loyalty-plays-sender.js';
import type { BalanceCache } from './repositories/balance-cache.js';
import {
  IdempotencyRaceError,
  findStoredOutcomes,
  lockBatch,
  toBatchRow,
  writeBatch,
  type StoredOutcome,
} from './repositories/bets.repository.js';

export interface BatchItem {
  bet: BetIntent;
  /** The job's trace context: the bet's `ledger.apply` span is its child. */
  ctx: Context;
}

export interface BetBatchDeps {
  pool: Pool;
  redis: Redis;
  keys: RedisKeys;
  cache: BalanceCache;
  logger: Logger;
  /** SPEC 3: the most a cell may lose (Σ potential payout − stake of its confirmed bets). */
  maxCellLiability: number;
  /** Queues the batch's confirmed bets for loyalty (SPEC 4.7: slips count them). */
  sendPlays: PlaysSender;
  /** TEST ONLY: probability of SIGKILL between commit and acknowledgement. */
  faultKillAfterCommit: number;
  onBatch?: (size: number, ms: number) => void;
}

const MAX_LINKS = 128;
const FLUSH_ATTEMPTS = 3;
type StoredLookup = 'unclaimed' | 'all';

function toStored(d: Decision, now: number): StoredOutcome {
  return {
    betId: d.bet.betId,
    playerId: d.bet.playerId,
    clientBetId: d.bet.clientBetId,
    status: d.status,
    reason: d.status === 'rejected' ? d.reason : null,
    multiplierBps: d.bet.multiplierBps,
    balanceAfter: d.status === 'confirmed' ? d.balanceAfter : null,
    walletSeq: d.status === 'confirmed' ? d.seq : null,
    stake: d.bet.stake,
    // writeBatch stamps confirmed_at with the same `now`.
    confirmedAt: d.status === 'confirmed' ? now : null,
    correlationId: d.bet.correlationId,
  };
}

/**
 * One ledger transaction for a batch of bets (SPEC 2 step 3), then publish and cache. Re-running
 * a batch — after a crash, a redelivery or an ambiguous COMMIT — is safe: keys already stored are
 * not decided again, their stored outcomes are published again.
 */
export function createBetBatchFlush(deps: BetBatchDeps): (items: BatchItem[]) => Promise<void[]> {
  const tracer = getTracer();
  const pending = createPendingBets(deps.keys);
  pending.register(deps.redis);

  /**
   * From Redis, in one round trip: the markets CRITICAL now (no status yet counts as CRITICAL), whose queued bets
   * are rejected; and, per bet id, what its key holds: the pending record or the stored marker (written after a commit,
   * so the key is stored), naming the bet that owns the key; null: nothing. A job carries several bets, so it cannot be
   * deduplicated by job id: a concurrent duplicate request's intent can ride in another job.
   */
  async function redisFacts(bets: BetIntent[]): Promise<{ suspended: Set<string>; keyHolds: Map<string, KeyOwner | null> }> {
    const markets = [...new Set(bets.map((b) => b.marketId))];
    const pipeline = deps.redis.pipeline();
    for (const m of markets) pipeline.hget(deps.keys.market(m), 'status');
    pending.queueReadOwners(pipeline, bets);
    const replies = (await pipeline.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const keyHolds = pending.owners(bets, replies[markets.length]?.[1] ?? []);
    const status = (k: number) => {
      const reply = replies[k]?.[1];
      return typeof reply === 'string' ? reply : null;
    };
    return { suspended: new Set(markets.filter((_, k) => isSuspended(status(k)))), keyHolds };
  }

  /**
   * `unclaimed`: look up in Postgres only the keys with no record or with the stored marker (a redelivery). A key whose
   * pending record names this bet is stored only if a crash fell between a commit and its markers, or a concurrent
   * batch stored it: the insert's unique keys then abort the batch (IdempotencyRaceError) and it runs again with `all`.
   * Saves a query per batch.
   */
  async function readFacts(bets: BetIntent[], lookup: StoredLookup) {
    if (lookup === 'all') {
      const [facts, found] = await Promise.all([redisFacts(bets), findStoredOutcomes(deps.pool, bets)]);
      return { ...facts, ...found };
    }
    const facts = await redisFacts(bets);
    const found = await findStoredOutcomes(deps.pool, needsStoredLookup(bets, facts.keyHolds));
    return { ...facts, ...found };
  }

  async function commitBatch(items: BatchItem[], now: number, lookup: StoredLookup) {
    // Outside the locks: what Redis knows, and which keys are stored already. A key stored by a concurrent batch after
    // this read makes our insert conflict: the batch rolls back and runs again.
    const bets = items.map((i) => i.bet);
    const { suspended, keyHolds, stored, archivedKeys } = await readFacts(bets, lookup);
    const storedKeys = new Set(stored.map(keyOf));
    // A bet whose key belongs to an archived bet is dropped like a loser: it was answered long ago, nothing is
    // placed or published again, and its key's marker is left alone.
    const dropped = droppedIntents(bets, keyHolds, storedKeys, new Set(archivedKeys.map(keyOf)));
    if (archivedKeys.length > 0) deps.logger.warn({ keys: archivedKeys.length }, 'bets whose keys belong to archived bets dropped');
    const result = await withTransaction(
      deps.pool,
      async (client) => {
        const { cellLiability, wallets } = await lockBatch(
          client,
          bets.map((b) => b.cellId),
          bets.map((b) => b.playerId),
        );
        const { decisions, changes } = decideFirstFit(freshIntents(bets, storedKeys, dropped), wallets, now, (m) => suspended.has(m), {
          cap: deps.maxCellLiability,
          current: cellLiability,
        });
        await writeBatch(client, decisions.map(toBatchRow), now);
        return {
          outcomes: [...stored, ...decisions.map((d) => toStored(d, now))],
          changes,
          replayed: stored.length,
          fresh: decisions.length,
        };
      },
      // Cached plans: the write statement and the foreign-key check behind each stake entry were planned afresh on
      // every execution (pg_stat_statements: 17 % and 82 % of their time).
      { cachedPlans: true },
    );
    return { ...result, bets, dropped };
  }

  return async function flush(items) {
    const started = Date.now();
    const spans = new Map<string, Span>();
    for (const item of items) {
      if (!spans.has(keyOf(item.bet)))
        spans.set(
          keyOf(item.bet),
          tracer.startSpan(
            'ledger.apply',
            { attributes: { 'bet.id': item.bet.betId, 'correlation.id': item.bet.correlationId } },
            item.ctx,
          ),
        );
    }
    const links: Link[] = [...spans.values()].slice(0, MAX_LINKS).map((s) => ({ context: s.spanContext() }));
    // Its own root: a batch belongs to no single bet's trace; it links (up to 128 of) them.
    const batchSpan = tracer.startSpan('ledger.batch', { root: true, links, attributes: { 'batch.size': items.length } });
    try {
      let result: Awaited<ReturnType<typeof commitBatch>> | undefined;
      let lookup: StoredLookup = 'unclaimed';
      for (let attempt = 1; !result;) {
        try {
          result = await commitBatch(items, Date.now(), lookup);
        } catch (err) {
          if (lookup === 'unclaimed' && err instanceof IdempotencyRaceError) {
            // Expected on a redelivery after a crash: not one of the attempts.
            lookup = 'all';
            continue;
          }
          if (attempt >= FLUSH_ATTEMPTS) throw err;
          deps.logger.warn({ err, attempt, size: items.length }, 'ledger batch failed; re-running it under the same keys');
          attempt++;
          lookup = 'all';
        }
      }
      // Only batches that committed new bets: a pure redelivery must be able to finish, or p = 1 would loop.
      if (result.fresh > 0 && deps.faultKillAfterCommit > 0 && Math.random() < deps.faultKillAfterCommit) {
        deps.logger.warn('fault injection: SIGKILL after commit, before publish and ack');
        process.kill(process.pid, 'SIGKILL');
      }
      const pipeline = deps.redis.pipeline();
      const channel = deps.keys.channel(CHANNELS.playerEvents);
      const traces = result.outcomes.map((o) => {
        const span = spans.get(keyOf(o));
        return span ? injectTraceContext(trace.setSpan(context.active(), span)) : {};
      });
      const events = result.outcomes.map((o, i) => outcomeEvent(o, traces[i]!));
      // One job for the whole batch (not one per bet), stored outcomes' plays included. Queued before the jobs complete:
      // if it fails they retry, and the redelivery re-sends the same plays under the same job id. Sent alongside the
      // pipeline, on the same connection: no round trip of its own.
      const plays = result.outcomes.flatMap((o, i) => betPlay(o, traces[i]!.traceparent) ?? []);
      const queued = context.with(trace.setSpan(context.active(), batchSpan), () => deps.sendPlays(plays));
      queued.catch(() => undefined); // awaited below, after the pipeline (which may throw first)
      for (const message of playerEventMessages(events)) pipeline.publish(channel, message);
      // Every bet of the batch is decided or stored now: its pending record becomes a stored marker and its pending
      // entries go; a loser claimed nothing and leaves the winner's alone.
      pending.queueSettled(pipeline, { stored: result.outcomes, bets: result.bets, dropped: result.dropped });
      deps.cache.queue(
        pipeline,
        result.changes.map((c) => ({ playerId: c.playerId, balance: c.balance, seq: c.seq })),
      );
      const replies = await pipeline.exec();
      const failed = replies?.find(([err]) => err);
      if (failed) throw failed[0] as Error;
      await queued;
      deps.onBatch?.(items.length, Date.now() - started);
      if (result.replayed > 0) deps.logger.info({ replayed: result.replayed }, 're-published stored outcomes of redelivered bets');
      return items.map(() => undefined);
    } catch (err) {
      batchSpan.recordException(err as Error);
      throw err;
    } finally {
      for (const s of spans.values()) s.end();
      batchSpan.end();
    }
  };
}
