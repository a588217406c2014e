import { JOB_OPTIONS, type Play } from '@wagerflow/contracts';
import type { TypedQueue } from '@wagerflow/queue';
import { playsJobs } from './domain/loyalty-plays.js';

/** Queues plays for loyalty; resolves once every job is in Redis (a job already there under its id counts). */
export type PlaysSender = (plays: readonly Play[]) => Promise<void>;

/**
 * One `plays` job per kind and per 5,000 bets, named by the digest of its bet ids (`domain/loyalty-plays.ts`): a
 * redelivery re-sends the same jobs, which BullMQ drops while the first ones exist; loyalty counts each bet once anyway.
 */
export function createPlaysSender(queue: TypedQueue<'loyalty'>): PlaysSender {
  return async (plays) => {
    if (plays.length === 0) return;
    await Promise.all(playsJobs(plays).map((job) => queue.add('plays', { plays: job.plays }, JOB_OPTIONS.loyalty.plays(job.digest))));
  };
}
