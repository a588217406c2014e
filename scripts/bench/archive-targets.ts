/**
 * Issue 12's performance targets for `--mode archive`, pure functions of the figures (unit tested): rows archived per
 * second from the run's own start and finish times, the bet path's p99 send→outcome during the run ÷ without it
 * (target ≤ 1.20), and the after-run check (every seeded bet gone, reconciliation drift 0).
 */
import type { ArchiveCheck, ArchiveTargets, E2eResult } from './result-types.js';

export const MAX_P99_RATIO = 1.2;

/** Rows ÷ seconds of the run (archiver's started_at → finished_at); null without a positive duration. */
export function perSecond(rows: number, startedAt: number | null, finishedAt: number | null): number | null {
  if (startedAt === null || finishedAt === null || finishedAt <= startedAt) return null;
  return rows / ((finishedAt - startedAt) / 1000);
}

export function judgeArchive(
  without: Pick<E2eResult, 'latencyMs' | 'errors'>,
  during: Pick<E2eResult, 'latencyMs' | 'errors'>,
  check: ArchiveCheck,
  runSucceeded: boolean,
): ArchiveTargets {
  const base = without.latencyMs.p99;
  const loaded = during.latencyMs.p99;
  const p99Ratio = base === null || loaded === null || base <= 0 ? null : loaded / base;
  return {
    p99Ratio,
    p99RatioMet: p99Ratio === null ? null : p99Ratio <= MAX_P99_RATIO,
    // A shed (503) or lost bet during the run is a cost the p99 of the accepted bets does not show.
    noErrorsDuring: during.errors.total === 0,
    runSucceeded,
    allArchived: check.seededBetsLeft === 0,
    noDrift: check.drift === 0,
  };
}
