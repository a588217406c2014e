const DAY_MS = 86_400_000;

/** The retention cutoff: final bets whose final time is before it are archived (0 days: everything final until now). */
export const cutoffFor = (now: number, retentionDays: number): number => now - retentionDays * DAY_MS;

/**
 * The run id of a job: an admin run carries the id the gateway answered; a scheduled tick is named by its BullMQ job
 * id, so a redelivery of the same tick after a crash resumes the same run. Archive keys take [A-Za-z0-9-] only.
 */
export function runIdFor(job: { runId?: string | undefined; jobId: string | undefined }): string {
  if (job.runId) return job.runId;
  return `scheduled-${String(job.jobId ?? Date.now()).replace(/[^A-Za-z0-9-]+/g, '-')}`;
}

/** What a run does with a run left `running` (its archiver died): resume it when it is this job's own run, else close it as interrupted. */
export function takeOver(running: { id: string } | null, runId: string): 'none' | 'resume' | 'close' {
  if (!running) return 'none';
  return running.id === runId ? 'resume' : 'close';
}
