/**
 * Job ids and per-job options, one builder per job that has either, next to the catalog (jobs.ts). The id strings are
 * persisted in Redis (BullMQ deduplicates by them and the gateway waits on deposit ids): never change their format.
 * Options are plain objects of BullMQ's `JobsOptions` fields, so contracts stays free of BullMQ.
 */
export const JOB_IDS = {
  ledger: {
    /** A `place-bets` job is named by its first bet: a retried MULTI cannot queue the same bets twice. */
    placeBets: (leadBetId: string) => `bets-${leadBetId}`,
    /** One per deposit request (the gateway waits for its answer under this id). */
    deposit: (requestId: string) => `deposit-${requestId}`,
    /** One per window: two schedulers, or a retry after a crash, never send a window twice. */
    settle: (marketId: string, windowStart: number) => `settle-${marketId}-${windowStart}`,
    /** The sweeper's re-send of a window, unique per send (settlement is idempotent). */
    settleSweep: (marketId: string, windowStart: number, at: number) => `settle-${marketId}-${windowStart}-sweep-${at}`,
  },
  feed: {
    /** At most one evidence request per window per sweep period (`bucket`). */
    evidenceRequest: (marketId: string, windowStart: number, bucket: number) => `evreq-${marketId}-${windowStart}-${bucket}`,
  },
} as const;

export const JOB_OPTIONS = {
  ledger: {
    /**
     * Jobs of many bets are large: a completed one goes at once (a count would trim the whole queue's completed list,
     * deposits' stored results included). Failed ones keep the queue's default retention.
     */
    placeBets: (leadBetId: string) => ({ jobId: JOB_IDS.ledger.placeBets(leadBetId), removeOnComplete: true }),
    deposit: (requestId: string) => ({ jobId: JOB_IDS.ledger.deposit(requestId) }),
    settle: (marketId: string, windowStart: number) => ({ jobId: JOB_IDS.ledger.settle(marketId, windowStart) }),
    settleSweep: (marketId: string, windowStart: number, at: number) => ({ jobId: JOB_IDS.ledger.settleSweep(marketId, windowStart, at) }),
  },
  feed: {
    evidenceRequest: (marketId: string, windowStart: number, bucket: number) => ({
      jobId: JOB_IDS.feed.evidenceRequest(marketId, windowStart, bucket),
    }),
  },
} as const;
