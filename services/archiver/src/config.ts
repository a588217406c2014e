import { OPS_PORTS, archiveEnv, commonEnv, env, otelEnv, parseEnv, z } from '@wagerflow/config';

const schema = commonEnv
  .extend(otelEnv.shape)
  .extend(archiveEnv.shape)
  .extend({
    ARCHIVER_OPS_PORT: env.port(OPS_PORTS.archiver.default),
    // Settled history older than this leaves the hot tables (0: every final bet, for tests and demos).
    ARCHIVE_RETENTION_DAYS: env.int(30, 0, 36_500),
    // The weekly run (UTC): Sundays at 03:00.
    ARCHIVE_CRON: z
      .string()
      .trim()
      .regex(/^\S+(\s+\S+){4,5}$/, 'must be a cron pattern (5 or 6 fields)')
      .default('0 3 * * 0'),
    // At most this many bets a partition (file): a big day is cut into chunks, each one short transaction.
    ARCHIVE_PARTITION_MAX_BETS: env.int(5_000, 1, 100_000),
    // How long the archiver waits for bet-ledger to finish one partition before it fails the run.
    ARCHIVE_PARTITION_TIMEOUT_MS: env.int(300_000, 1_000),
    // After each partition, rest this many times as long as it took: the run takes the platform's spare capacity
    // (on a busy 2-core box a run at full speed doubled the bet path's p99; README: Benchmarks → Archive). 0: full speed.
    ARCHIVE_PAUSE_RATIO: env.num(1, 0, 100),
    // TEST ONLY: SIGKILL the archiver right after this step of a run (the crash tests).
    ARCHIVER_FAULT_KILL_AFTER: z.enum(['started', 'partition', 'finished']).optional(),
  });
export type ArchiverConfig = z.infer<typeof schema>;
export const loadConfig = (e: NodeJS.ProcessEnv = process.env): ArchiverConfig => parseEnv(schema, e);
