import { z } from 'zod';
import { STORED_MARKER_TTL_S, type BetIntent, type RedisKeys } from '@wagerflow/contracts';
import type { ChainableCommander, Redis } from 'ioredis';
import { parseKeyOwner, parseKeyValue, recordOf, type KeyOwner, type KeyValue, type PendingRecord } from './pending-record.js';
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { KEY_FILTER_MAX_BITS, addToBitmap, keyFilterBits, keyFilterCapacity } from './key-filter.js';
import { CLAIM, FILTER_CHECK, FILTER_SEAL, FILTER_START, MARK_STORED } from './scripts.js';

/** claimed: the key is ours and the bet is queued; taken: a concurrent duplicate holds it; expired: too late, nothing placed. */
export type ClaimResult = 'claimed' | 'taken' | 'expired';
const CLAIM_RESULTS: Record<number, ClaimResult> = { 1: 'claimed', 0: 'taken', [-1]: 'expired' };

/** What the player's key filter says of a key: never claimed, maybe claimed (ask Postgres), or no filter to ask. */
export type KeyCheck = 'new' | 'maybe' | 'unfiltered';
const KEY_CHECKS: Record<number, KeyCheck> = { 1: 'new', 0: 'maybe', [-1]: 'unfiltered' };
/** built: the filter is ready; busy: a ready one exists or another build is under way; superseded: a newer build won. */
export type FilterBuild = 'built' | 'busy' | 'superseded' | 'too-large';

export interface FilterBuildOptions {
  /** The player's keys in Postgres (stored and archived bets), read in one statement after the build starts. */
  readStoredKeys: (playerId: string) => Promise<readonly string[]>;
  /** A build not sealed within this long may be replaced by another (its process may have died). */
  buildMs: number;
  /** How long a ready filter lives; the player's next bet after that builds it again. */
  ttlMs: number;
}
/** Keys hashed between two yields to the event loop while a large filter is built (about 1 ms of work). */
const HASHES_PER_TURN = 1_000;

/** Where a bet sits until settled: its market window (settlement waits for it) and its player. */
export interface BetPlace {
  betId: string;
  playerId: string;
  clientBetId: string;
  marketId: string;
  windowStart: number;
}
type BetKey = Pick<BetPlace, 'betId' | 'playerId' | 'clientBetId'>;

/** Records marked per script call: bounds how long one call holds Redis. */
const MARKS_PER_CALL = 500;
const mgetReply = z.array(z.string().nullable());

/** `playerId|clientBetId`: the key's id in the bet-id index and the window's set. */
const memberOf = (b: { playerId: string; clientBetId: string }) => `${b.playerId}|${b.clientBetId}`;

/**
 * The pending-bet protocol, the one module that touches its keys (see README): the gateway claims, the gateway reads,
 * the ledger looks up owners and, after its commit, marks stored and clears.
 */
export function createPendingBets(keys: RedisKeys) {
  return {
    /** Define the scripts on `redis`, so pipelines made from it later send EVALSHA. */
    register(redis: Redis): void {
      for (const script of [CLAIM, MARK_STORED, FILTER_CHECK, FILTER_START, FILTER_SEAL]) script.register(redis);
    },

    /** What the player's key filter (key-filter.ts) says of `clientBetId`. */
    async checkKey(redis: Redis, playerId: string, clientBetId: string): Promise<KeyCheck> {
      const reply = await FILTER_CHECK.run(redis, [keys.keyFilter(playerId), keys.keyFilterBits(playerId)], [clientBetId]);
      return KEY_CHECKS[Number(reply)] ?? 'unfiltered';
    },

    /**
     * Build the player's key filter: start (claims log their keys from here on, with the keys pending now), read the
     * stored keys, stage their bits, seal (the logged keys added). Hashing yields to the event loop every
     * HASHES_PER_TURN keys, so a player with millions of bets does not stall the caller's other requests.
     */
    async buildFilter(redis: Redis, playerId: string, o: FilterBuildOptions): Promise<FilterBuild> {
      const generation = randomUUID();
      const [filter, bits, log] = [keys.keyFilter(playerId), keys.keyFilterBits(playerId), keys.keyFilterLog(playerId)];
      const started = await FILTER_START.run(redis, [filter, bits, log, keys.pendingByPlayer(playerId)], [generation, o.buildMs]);
      if (started !== 1) return 'busy';
      const stored = await o.readStoredKeys(playerId);
      const size = keyFilterBits(stored.length);
      // The state expires unsealed (2 × buildMs): the player's bets are then checked in Postgres, as without a filter.
      if (size > KEY_FILTER_MAX_BITS) return 'too-large';
      const bitmap = Buffer.alloc(size / 8);
      for (let i = 0; i < stored.length; i++) {
        if (i > 0 && i % HASHES_PER_TURN === 0) await yieldToLoop();
        addToBitmap(bitmap, stored[i]!);
      }
      const staging = keys.keyFilterStaging(playerId, generation);
      await redis.set(staging, bitmap, 'PX', o.buildMs);
      const sealed = await FILTER_SEAL.run(
        redis,
        [filter, bits, log, staging],
        [generation, size, keyFilterCapacity(size), stored.length, o.ttlMs],
      );
      return sealed === 1 ? 'built' : 'superseded';
    },

    /**
     * Queue the claim of `record`'s key on a MULTI (the one that queues its job: a bet is queued if and only if its
     * record is written). `claimBy`: Redis time (ms) after which the claim is refused. Read its reply with `claimResult`.
     */
    queueClaim(multi: ChainableCommander, record: PendingRecord, place: Pick<BetPlace, 'marketId' | 'windowStart'>, claimBy: number): void {
      CLAIM.queue(multi, claimKeys(keys, record, place), claimArgs(record, claimBy));
    },
    claimResult(reply: unknown): ClaimResult {
      const result = CLAIM_RESULTS[Number(reply)];
      if (!result) throw new Error(`unexpected claim reply ${String(reply)}`);
      return result;
    },
    /**
     * Claim the keys of these intents as the gateway does, in one pipeline, without queueing them (tools and tests:
     * the gateway claims inside its job's MULTI). `claimBy` defaults to no deadline.
     */
    async claim(redis: Redis, intents: readonly BetIntent[], claimBy = Number.MAX_SAFE_INTEGER): Promise<ClaimResult[]> {
      const pipeline = redis.pipeline();
      for (const intent of intents) this.queueClaim(pipeline, recordOf(intent), intent, claimBy);
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([err, reply]) => {
        if (err) throw err;
        return this.claimResult(reply);
      });
    },

    /** What the key of (player, clientBetId) holds: its pending record, the stored marker or nothing. */
    async read(redis: Redis, playerId: string, clientBetId: string): Promise<KeyValue> {
      return parseKeyValue(await redis.get(keys.pendingBet(playerId, clientBetId)));
    },
    /** The pending record of a bet id, if the bet is still pending. */
    async findByBetId(redis: Redis, betId: string): Promise<PendingRecord | null> {
      const ref = await redis.get(keys.pendingBetId(betId));
      if (!ref) return null;
      const [playerId, clientBetId] = ref.split('|');
      if (!playerId || !clientBetId) return null;
      const held = await this.read(redis, playerId, clientBetId);
      return held?.kind === 'pending' ? held.record : null;
    },
    /**
     * The player's bets still pending, placed at or after `from` (all of them, up to `max`: a player has few in
     * flight; cutting inside a run of equal placedAt could skip one the caller's cursor has not passed).
     */
    async listFrom(redis: Redis, playerId: string, from: number, max: number): Promise<PendingRecord[]> {
      const ids = await redis.zrangebyscore(keys.pendingByPlayer(playerId), from, '+inf', 'LIMIT', 0, max);
      if (ids.length === 0) return [];
      const raws = await redis.mget(ids.map((id) => keys.pendingBet(playerId, id)));
      return raws.flatMap((raw) => {
        const held = parseKeyValue(raw);
        return held?.kind === 'pending' ? [held.record] : [];
      });
    },

    /**
     * Queue the read of the bets' keys (one MGET); `owners` turns its reply into, per bet id, the bet that owns the
     * key and whether that is the stored marker (null: nothing under the key).
     */
    queueReadOwners(pipeline: ChainableCommander, bets: readonly BetKey[]): void {
      pipeline.mget(bets.map((b) => keys.pendingBet(b.playerId, b.clientBetId)));
    },
    owners(bets: readonly BetKey[], reply: unknown): Map<string, KeyOwner | null> {
      const raws = mgetReply.parse(reply);
      return new Map(bets.map((b, k) => [b.betId, parseKeyOwner(raws[k])]));
    },

    /**
     * Queue what follows a commit (the caller executes the pipeline with its other writes): each decided or stored
     * bet's record becomes the stored marker (see MARK_STORED), every bet's id index goes, and the bets that held
     * their key leave their window's set and their player's list. A dropped bet (it never held its key) leaves the
     * winner's entries alone.
     */
    queueSettled(
      pipeline: ChainableCommander,
      batch: { stored: readonly BetKey[]; bets: readonly BetPlace[]; dropped: ReadonlySet<string> },
    ): void {
      for (let i = 0; i < batch.stored.length; i += MARKS_PER_CALL) {
        const chunk = batch.stored.slice(i, i + MARKS_PER_CALL);
        MARK_STORED.queue(
          pipeline,
          chunk.map((b) => keys.pendingBet(b.playerId, b.clientBetId)),
          [STORED_MARKER_TTL_S, ...chunk.map((b) => b.betId)],
        );
      }
      // One command for all the ids.
      if (batch.bets.length > 0) pipeline.del(batch.bets.map((b) => keys.pendingBetId(b.betId)));
      const windows = new Map<string, string[]>();
      const players = new Map<string, string[]>();
      const add = (m: Map<string, string[]>, key: string, member: string) => (m.get(key) ?? m.set(key, []).get(key)!).push(member);
      for (const b of batch.bets) {
        if (batch.dropped.has(b.betId)) continue;
        add(windows, keys.pendingWindow(b.marketId, b.windowStart), memberOf(b));
        add(players, keys.pendingByPlayer(b.playerId), b.clientBetId);
      }
      for (const [key, members] of windows) pipeline.srem(key, members);
      for (const [key, members] of players) pipeline.zrem(key, members);
    },
  };
}
export type PendingBets = ReturnType<typeof createPendingBets>;

function claimKeys(keys: RedisKeys, record: PendingRecord, place: Pick<BetPlace, 'marketId' | 'windowStart'>) {
  return [
    keys.pendingBet(record.playerId, record.clientBetId),
    keys.pendingBetId(record.betId),
    keys.pendingWindow(place.marketId, place.windowStart),
    keys.pendingByPlayer(record.playerId),
    keys.keyFilter(record.playerId),
    keys.keyFilterBits(record.playerId),
    keys.keyFilterLog(record.playerId),
  ] as [string, string, string, string, string, string, string];
}

function claimArgs(record: PendingRecord, claimBy: number) {
  return [JSON.stringify(record), memberOf(record), record.placedAt, record.clientBetId, claimBy] as [
    string,
    string,
    number,
    string,
    number,
  ];
}
