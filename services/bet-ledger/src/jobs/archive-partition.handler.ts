import type { ArchivePartitionJob, ArchivePartitionResult } from '@wagerflow/contracts';
import { withTransaction, type Pool } from '@wagerflow/db';
import type { Logger } from '@wagerflow/runtime';
import { dayBounds, encodeArchive, partitionKey, verifyArchive, type ArchiveStore } from '@wagerflow/archive-store';
import { commitPartition, findManifest, selectPartition } from '../repositories/archive.repository.js';

/** The executor's steps, in order; a test hook may throw at each to stand for a crash there. */
export type ArchiveStep = 'selected' | 'put' | 'verified' | 'committed';

export interface ArchivePartitionDeps {
  pool: Pool;
  store: ArchiveStore;
  logger: Logger;
  now?: () => number;
  /** ARCHIVE_STATEMENT_BETS: bets (or wallets) one Postgres statement of a partition handles at most. */
  statementBets?: number;
  /** TEST ONLY: called after each step; throwing (or killing the process) there is a crash at that step. */
  afterStep?: (step: ArchiveStep, partitionKey: string) => void | Promise<void>;
}

/**
 * Archive one partition (SPEC 5): up to `maxBets` final bets of one UTC day older than the cutoff, with their
 * wallet entries. Select → encode → PUT → GET back and verify (sha256, size, ids, counts, sums) → one short
 * transaction (re-check, manifest, tombstones, delete, checkpoint). Safe to run again at any point: a committed
 * manifest answers `already`; a file without one is simply overwritten (no row was deleted for it), so an
 * interrupted upload or an unverified file is never trusted.
 */
export function archivePartitionHandler(deps: ArchivePartitionDeps) {
  const now = deps.now ?? Date.now;
  const step = async (s: ArchiveStep, key: string) => {
    if (deps.afterStep) await deps.afterStep(s, key);
  };
  return async (job: ArchivePartitionJob): Promise<ArchivePartitionResult> => {
    const key = partitionKey({ day: job.day, chunk: job.chunk });
    const done = await findManifest(deps.pool, job.runId, key);
    if (done) {
      return {
        partitionKey: key,
        status: 'already',
        bets: done.bets,
        walletEntries: done.walletEntries,
        bytes: done.bytes,
        objectKey: done.objectKey,
        more: done.bets >= job.maxBets,
      };
    }
    const { start, end } = dayBounds(job.day);
    const { bets, entries } = await selectPartition(deps.pool, start, Math.min(end, job.cutoff), job.maxBets, deps.statementBets);
    if (bets.length === 0) return { partitionKey: key, status: 'empty', bets: 0, walletEntries: 0, bytes: 0, objectKey: null, more: false };
    await step('selected', key);
    const { body, manifest } = encodeArchive({ runId: job.runId, partitionKey: key, bets, entries });
    await deps.store.put(manifest.objectKey, body);
    await step('put', key);
    const stored = await deps.store.get(manifest.objectKey);
    const problems = verifyArchive(stored, manifest, { betIds: bets.map((b) => b.id), entryIds: entries.map((e) => Number(e.id)) });
    if (problems.length > 0) throw new Error(`archive file ${manifest.objectKey} failed verification: ${problems.join('; ')}`);
    await step('verified', key);
    await withTransaction(deps.pool, (c) => commitPartition(c, manifest, bets, entries, now(), deps.statementBets));
    deps.logger.info(
      { runId: job.runId, partitionKey: key, bets: manifest.bets, walletEntries: manifest.walletEntries, bytes: manifest.bytes },
      'archive partition committed',
    );
    await step('committed', key);
    return {
      partitionKey: key,
      status: 'archived',
      bets: manifest.bets,
      walletEntries: manifest.walletEntries,
      bytes: manifest.bytes,
      objectKey: manifest.objectKey,
      more: bets.length >= job.maxBets,
    };
  };
}
