import { OPS_PORTS, archiveEnv, commonEnv, env, marketEnv, otelEnv, parseEnv, z } from '@wagerflow/config';

const schema = commonEnv
  .extend(marketEnv.shape)
  .extend(otelEnv.shape)
  .extend(archiveEnv.shape)
  .extend({
    BET_LEDGER_OPS_PORT: env.port(OPS_PORTS['bet-ledger'].default),
    LEDGER_CONCURRENCY: env.int(256, 1, 10_000),
    LEDGER_BATCH_MAX: env.int(2_000, 1, 10_000),
    LEDGER_BATCH_WAIT_MS: env.int(4, 0, 1_000),
    // Batches committing at once: one prepares or publishes while the other waits on Postgres.
    LEDGER_BATCH_CONCURRENCY: env.int(2, 1, 16),
    SETTLE_GRACE_MS: env.int(2_000, 0),
    SETTLE_SWEEP_INTERVAL_MS: env.int(10_000, 100),
    SETTLE_SWEEP_AFTER_MS: env.int(30_000, 100),
    SETTLE_CHUNK_SIZE: env.int(2_000, 1, 50_000),
    SETTLE_PENDING_RETRY_MS: env.int(500, 10),
    LEDGER_FAULT_KILL_DURING_SETTLEMENT: env.num(0, 0, 1),
    LEDGER_FAULT_KILL_AFTER_COMMIT: env.num(0, 0, 1),
    // The archive executor process' nice value (Linux; its session's and its threads'): the scheduler favours the bet path.
    ARCHIVE_EXECUTOR_NICE: env.int(10, 0, 19),
    // ... and its scheduling policy: SCHED_IDLE (Linux, through util-linux's chrt) is asked off its core by any waking thread.
    ARCHIVE_EXECUTOR_SCHED_IDLE: env.onOff('on'),
    // Bets (or wallets) one Postgres statement of an archive partition handles: the executor's turn comes between two.
    ARCHIVE_STATEMENT_BETS: env.int(500, 1, 100_000),
    /** TEST ONLY: SIGKILL bet-ledger right after this archive step (selected, put, verified, committed). */
    LEDGER_FAULT_KILL_ARCHIVE_AFTER: z.enum(['selected', 'put', 'verified', 'committed']).optional(),
  });
export type LedgerConfig = z.infer<typeof schema>;
export const loadConfig = (e: NodeJS.ProcessEnv = process.env): LedgerConfig => parseEnv(schema, e);
