import { createService as createLedger, loadConfig as ledgerConfig } from '@wagerflow/bet-ledger';

/** TEST ONLY: bet-ledger in this process (it executes the archiver's partitions), through its declared entry. */
export async function startLedger(env: NodeJS.ProcessEnv): Promise<{ stop(): Promise<void> }> {
  const ledger = await createLedger(ledgerConfig(env));
  await ledger.start();
  return { stop: () => ledger.shutdown.shutdown('test') };
}
