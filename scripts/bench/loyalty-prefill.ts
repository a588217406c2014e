/**
 * Input of the loyalty accrual runs: the `loyalty` queue pre-filled with `plays` jobs of `playsPerJob` plays each,
 * exactly the payload and job options bet-ledger sends (one job per committed batch, `JOB_OPTIONS.loyalty.plays`
 * named by the digest of its bet ids), through packages/queue's queue (its default job options and tracing). Jobs go
 * in with `addBulk`, a few calls in flight: the pre-fill is setup, not measured.
 */
import { JOB_OPTIONS, type Play } from '@wagerflow/contracts';
import { createQueue, createRedis } from '@wagerflow/queue';
import { chunks, playsDigest } from './loyalty-plays.js';
import { mapLimit } from './player-setup.js';

/** Plays per addBulk call (bounds the size of one Redis round trip). */
const PLAYS_PER_BULK = 10_000;
const BULKS_IN_FLIGHT = 4;

/** Queues every play, `playsPerJob` a job; returns seconds taken and the number of jobs. */
export async function prefillLoyaltyQueue(
  redisUrl: string,
  prefix: string,
  plays: readonly Play[],
  playsPerJob: number,
): Promise<{ seconds: number; jobs: number }> {
  const connection = createRedis(redisUrl, 'blocking');
  const queue = createQueue('loyalty', connection, prefix);
  const jobs = chunks(plays, playsPerJob).map((batch) => ({
    name: 'plays' as const,
    data: { plays: batch },
    opts: JOB_OPTIONS.loyalty.plays(
      playsDigest(
        'bet',
        batch.map((p) => p.betId),
      ),
    ),
  }));
  const bulks = chunks(jobs, Math.max(1, Math.floor(PLAYS_PER_BULK / playsPerJob)));
  const started = performance.now();
  try {
    await mapLimit(bulks, BULKS_IN_FLIGHT, (bulk) => queue.queue.addBulk(bulk));
    const counts = await queue.queue.getJobCounts('wait', 'prioritized', 'delayed');
    const queued = (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
    if (queued !== jobs.length) throw new Error(`queued ${queued} jobs, expected ${jobs.length} (a duplicate job id?)`);
    return { seconds: (performance.now() - started) / 1000, jobs: jobs.length };
  } finally {
    await queue.close();
    await connection.quit();
  }
}
