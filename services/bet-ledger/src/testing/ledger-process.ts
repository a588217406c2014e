import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, testRedisUrl } from '@wagerflow/testing';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface LedgerProcessOptions {
  databaseUrl: string;
  /** Its queues' Redis prefix (a test's own, so that no other bet-ledger takes its jobs). */
  redisPrefix: string;
  archiveUrl: string;
  /** More variables, for example a fault to inject. */
  env?: Record<string, string>;
}

/** A real bet-ledger process, started as `pnpm start` starts it (src/main.ts under tsx) on a free ops port, its logs off. */
export async function spawnLedgerProcess(opts: LedgerProcessOptions): Promise<ChildProcess> {
  return spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: opts.redisPrefix,
      LOG_LEVEL: 'silent',
      ARCHIVE_URL: opts.archiveUrl,
      BET_LEDGER_OPS_PORT: String(await freePort()),
      ...opts.env,
    },
    stdio: 'ignore',
  });
}
