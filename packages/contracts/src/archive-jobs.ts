import { z } from 'zod';

const int = z.number().int();

/**
 * Archive pipeline jobs (SPEC 5). `archive-run` (queue `archive`, consumed by the archiver): the weekly scheduler's
 * tick or an admin's on-demand run. `archive-partition` (queue `ledger-archive`, consumed by bet-ledger, the only
 * writer of its tables): archive one partition, up to `maxBets` final bets of one UTC day whose final time is before
 * `cutoff`; its return value is an `ArchivePartitionResult`.
 */
export const archiveRunJob = z.object({
  /** Set for an admin run (the id the gateway answered); absent for the scheduler's tick, which picks its own. */
  runId: z.string().min(1).optional(),
  requestedBy: z.string().nullable().optional(),
});
export type ArchiveRunJob = z.infer<typeof archiveRunJob>;

export const archivePartitionJob = z.object({
  runId: z.string().min(1),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  chunk: int.min(0),
  cutoff: int,
  maxBets: int.min(1).max(100_000),
});
export type ArchivePartitionJob = z.infer<typeof archivePartitionJob>;

export const archivePartitionResult = z.object({
  partitionKey: z.string(),
  /** archived: done now; already: a manifest was committed before (a rerun); empty: nothing left in that range. */
  status: z.enum(['archived', 'already', 'empty']),
  bets: int,
  walletEntries: int,
  bytes: int,
  objectKey: z.string().nullable(),
  /** The chunk was full: the day may hold more, so the archiver sends the next chunk. */
  more: z.boolean(),
});
export type ArchivePartitionResult = z.infer<typeof archivePartitionResult>;
