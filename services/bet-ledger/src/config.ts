import { commonEnv, env, marketEnv, otelEnv, parseEnv, z } from '@wagerflow/config';

const schema = commonEnv
  .extend(marketEnv.shape)
  .extend(otelEnv.shape)
  .extend({
    BET_LEDGER_OPS_PORT: env.port(9102),
    LEDGER_CONCURRENCY: env.int(256, 1, 10_000),
    LEDGER_BATCH_MAX: env.int(1_000, 1, 10_000),
    LEDGER_BATCH_WAIT_MS: env.int(4, 0, 1_000),
    LEDGER_FAULT_KILL_AFTER_COMMIT: env.num(0, 0, 1),
  });
export type LedgerConfig = z.infer<typeof schema>;
export const loadConfig = (e: NodeJS.ProcessEnv = process.env): LedgerConfig => parseEnv(schema, e);
