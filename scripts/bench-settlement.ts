/**
 * `pnpm bench:settlement [--bets 100000] [--players 1000] [--chunk 2000] [--ticks 20000]`: settlement and tick
 * ingestion figures (issue 3), on a throwaway embedded Postgres and local redis-server (or DATABASE_URL/REDIS_URL).
 */
import { parseArgs } from 'node:util';
import { startInfrastructure } from './bench/bench-environment.js';
import { CleanupStack } from './bench/cleanup-stack.js';
import { runSettlement, runTicks } from './bench/settlement-mode.js';

const { values } = parseArgs({
  options: {
    bets: { type: 'string', default: '100000' },
    players: { type: 'string', default: '1000' },
    chunk: { type: 'string', default: '2000' },
    ticks: { type: 'string', default: '20000' },
    verbose: { type: 'boolean', default: false },
  },
});
const log = (l: string) => process.stderr.write(`${l}\n`);
const cleanup = new CleanupStack();
process.once('SIGINT', () => void cleanup.runAll(log).then(() => process.exit(130)));
try {
  const infra = await startInfrastructure(cleanup, log);
  const s = await runSettlement(infra, cleanup, {
    bets: Number(values.bets),
    players: Number(values.players),
    chunkSize: Number(values.chunk),
    verbose: values.verbose,
    log,
  });
  const t = await runTicks(infra, cleanup, { ticks: Number(values.ticks), verbose: values.verbose, log });
  const f = (n: number | null, d = 0) => (n == null ? 'n/a' : n.toFixed(d));
  process.stdout.write(
    [
      '',
      `settlement  ${s.bets} bets, ${s.players} players, chunk ${s.chunkSize}: ${f(s.seconds, 2)} s from job add to the last bet:settled → ${f(s.betsPerSec)} bets/s`,
      `            CPU: bet-ledger ${f(s.ledgerCpuMs)} ms, Postgres ${f(s.postgresCpuMs)} ms`,
      `ticks       ${t.ticks} admin tick jobs: ${f(t.seconds, 2)} s → ${f(t.ticksPerSec)} ticks/s; feed-monitor CPU ${f(t.feedMonitorCpuMs)} ms (${f(t.cpuMsPerTick, 3)} ms per tick)`,
      '',
    ].join('\n'),
  );
} finally {
  await cleanup.runAll(log);
}
