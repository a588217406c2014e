/**
 * Each queued job's options (its id, and anything else it sets), one builder per job that has any, next to the catalog
 * (jobs.ts). The id strings are persisted in Redis (BullMQ deduplicates by them and the gateway waits on deposit ids):
 * never change their format. Plain objects of BullMQ's `JobsOptions` fields, so contracts stays free of BullMQ.
 */
export const JOB_OPTIONS = {
  ledger: {
    /**
     * Named by its first bet: a retried MULTI cannot queue the same bets twice. Jobs of many bets are large: a
     * completed one goes at once (a count would trim the whole queue's completed list, deposits' stored results
     * included). Failed ones keep the queue's default retention.
     */
    placeBets: (leadBetId: string) => ({ jobId: `bets-${leadBetId}`, removeOnComplete: true }),
    /** One per deposit request (the gateway waits for its answer under this id). */
    deposit: (requestId: string) => ({ jobId: `deposit-${requestId}` }),
    /** One per window: two schedulers, or a retry after a crash, never send a window twice. */
    settle: (marketId: string, windowStart: number) => ({ jobId: `settle-${marketId}-${windowStart}` }),
    /** The sweeper's re-send of a window, unique per send (settlement is idempotent). */
    settleSweep: (marketId: string, windowStart: number, at: number) => ({ jobId: `settle-${marketId}-${windowStart}-sweep-${at}` }),
  },
  feed: {
    /** At most one evidence request per window per sweep period (`bucket`). */
    evidenceRequest: (marketId: string, windowStart: number, bucket: number) => ({
      jobId: `evreq-${marketId}-${windowStart}-${bucket}`,
    }),
  },
  loyalty: {
    /**
     * Named by a digest of the kind and the sorted bet ids (computed by the sender): the same plays re-sent after a
     * redelivery are one job while it exists, and a different set never shares an id (it would be dropped as a
     * duplicate). Loyalty counts each bet once whatever the number of deliveries (`slip_plays.bet_id`).
     */
    plays: (digest: string) => ({ jobId: `plays-${digest}`, removeOnComplete: true }),
    /** The slip sweep's scheduler (one per platform, whatever the number of replicas). */
    sweepScheduler: 'slip-sweep',
  },
  loyaltyRequests: {
    /** One per staff request (the gateway waits for its answer under this id). */
    request: (kind: 'reward' | 'slip-close' | 'slip-recover', requestId: string) => ({ jobId: `${kind}-${requestId}` }),
  },
  archive: {
    /** The weekly scheduler (one per platform, whatever the number of archiver replicas). */
    scheduler: 'archive-weekly',
    /** One per on-demand run (the gateway answers this run id). */
    run: (runId: string) => ({ jobId: `archive-run-${runId}`, attempts: 3, removeOnComplete: 100, removeOnFail: 100 }),
  },
  ledgerArchive: {
    /** One per run and partition: a resent partition of a run is the same job while it exists (the ledger's manifest check makes a second delivery a no-op). */
    partition: (runId: string, day: string, chunk: number) => ({
      jobId: `archive-${runId}-${day}-${chunk}`,
      // A few quick retries (a stale selection, a store hiccup); then the run fails and the next run redoes it.
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    }),
  },
} as const;
