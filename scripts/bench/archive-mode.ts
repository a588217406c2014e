/**
 * `--mode archive` (issue 12's performance part), in one invocation on one platform:
 * 1. `--bets` final bets (1,000,000) over 10,000 wallets seeded in SQL (archive-prefill.ts), final 31–36 days ago,
 *    with their wallet entries (drift 0); then the whole platform with ARCHIVE_RETENTION_DAYS=30, a file:// archive in
 *    a temp dir and ARCHIVE_PARTITION_MAX_BETS=`--partition-bets`. Once the bettors have their deposit, each of them
 *    gets as many old bets as a seeded wallet has, in the same days: the run archives the history of the very players
 *    betting beside it, as it would a casino's regulars.
 * 2. After the warm-up, signed bets at `--rate` for `--duration` s with no archive run (the yardstick window); then
 *    `POST /v1/admin/archive/run`, and once the run is `running` the same load again while it runs. Sending stops when
 *    the run ends, so the second window only has bets sent while it was in progress (the drain of their outcomes stays).
 * 3. The run polled to its end (`GET /v1/admin/archive/runs/{id}`, 100 ms): bets, wallet entries and bytes archived
 *    per second of the archiver's own started → finished time. Then a check: no seeded bet left, `ledger_wallet_drift()`
 *    0, the files on disk. The mode fails (throws) when the run failed, a seeded bet is left or drift is not 0.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArchiveRunView } from '@wagerflow/contracts';
import type { BenchContext } from './bench-context.js';
import { checkAfterArchive, seedArchiveHistory, seedPlayersHistory, type ArchiveSeedCounts } from './archive-prefill.js';
import { judgeArchive, perSecond } from './archive-targets.js';
import { startCpuMeter } from './cpu-meter.js';
import { runE2eLoad, warmUp } from './e2e-load.js';
import { openE2eSession } from './e2e-session.js';
import { markWal, walSince } from './pg-wal.js';
import type { ArchiveCheck, ArchiveResult, ArchiveRunFigures, E2eResult } from './result-types.js';
import { counterDelta, scrapeByLabel } from './service-metrics.js';

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 30;
/** Seeded final times: from OLDEST_DAYS_AGO to NEWEST_DAYS_AGO days before now (several UTC days, past the retention). */
const OLDEST_DAYS_AGO = 36;
const NEWEST_DAYS_AGO = 31;
const WALLETS = 10_000;
const PLAYER_PREFIX = 'arch-';
const POLL_MS = 100;
/** Longest a run may take before the mode gives up (1M bets take well under this). */
const RUN_DEADLINE_MS = 30 * 60_000;
const SHED_METRIC = 'wagerflow_gateway_shed_total';

interface RunWatch {
  /** Resolves when the run is seen `running` (or already finished). */
  started: Promise<void>;
  /** Aborted when the run is seen finished. */
  ended: AbortSignal;
  done: Promise<{ view: ArchiveRunView; observedMs: number }>;
}

function watchRun(gatewayUrl: string, adminToken: string, runId: string, signal: AbortSignal): RunWatch {
  const ended = new AbortController();
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const t0 = performance.now();
  const done = (async () => {
    for (;;) {
      if (signal.aborted) throw new Error('interrupted');
      if (performance.now() - t0 > RUN_DEADLINE_MS)
        throw new Error(`archive run ${runId} did not finish in ${RUN_DEADLINE_MS / 60_000} min`);
      const res = await fetch(`${gatewayUrl}/v1/admin/archive/runs/${encodeURIComponent(runId)}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      if (res.status === 200) {
        const view = (await res.json()) as ArchiveRunView;
        if (view.status !== 'queued') markStarted();
        if (view.status === 'succeeded' || view.status === 'failed') {
          ended.abort();
          return { view, observedMs: performance.now() - t0 };
        }
      } else if (res.status !== 404) {
        // 404: the archiver has not recorded the run yet.
        throw new Error(`GET archive run ${runId}: ${res.status} ${await res.text()}`);
      } else {
        await res.arrayBuffer();
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  done.catch(() => ended.abort());
  return { started: Promise.race([started, done.then(() => undefined)]), ended: ended.signal, done };
}

function filesUnder(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

export async function runArchiveMode(ctx: BenchContext): Promise<ArchiveResult> {
  const { opts, log } = ctx;
  const mark = ctx.cleanup.mark();
  const archiveDir = mkdtempSync(path.join(os.tmpdir(), 'wf-bench-archive-'));
  ctx.cleanup.add('archive dir', () => rmSync(archiveDir, { recursive: true, force: true }));
  const durationMs = opts.durationS * 1000;
  const now = Date.now();
  let seed: ArchiveSeedCounts | undefined;
  try {
    const session = await openE2eSession(ctx, {
      env: {
        ARCHIVE_RETENTION_DAYS: String(RETENTION_DAYS),
        ARCHIVE_URL: pathToFileURL(archiveDir).href,
        ARCHIVE_PARTITION_MAX_BETS: String(opts.partitionBets),
        ...(opts.pauseRatio === null ? {} : { ARCHIVE_PAUSE_RATIO: String(opts.pauseRatio) }),
      },
      beforeStart: async (databaseUrl) => {
        log(`archive: seeding ${opts.archiveBets.toLocaleString('en-US')} final bets over ${WALLETS.toLocaleString('en-US')} wallets…`);
        seed = await seedArchiveHistory(databaseUrl, {
          bets: opts.archiveBets,
          wallets: WALLETS,
          from: now - OLDEST_DAYS_AGO * DAY_MS,
          spanMs: (OLDEST_DAYS_AGO - NEWEST_DAYS_AGO) * DAY_MS,
          playerPrefix: PLAYER_PREFIX,
        });
        log(
          `archive: seeded in ${seed.seconds.toFixed(1)} s + VACUUM ${seed.vacuumSeconds.toFixed(1)} s + ` +
            `${seed.checkpointSeconds === null ? 'no CHECKPOINT (not permitted)' : `CHECKPOINT ${seed.checkpointSeconds.toFixed(1)} s`} ` +
            `(${seed.betEntries.toLocaleString('en-US')} bet entries)`,
        );
      },
    });
    if (!seed) throw new Error('the history was not seeded');
    const bettors = session.players.map((p) => p.playerId);
    const perWallet = Math.max(1, Math.round(opts.archiveBets / WALLETS));
    const bettorSeed = await seedPlayersHistory(session.databaseUrl, bettors, {
      bets: perWallet * bettors.length,
      from: now - OLDEST_DAYS_AGO * DAY_MS,
      spanMs: (OLDEST_DAYS_AGO - NEWEST_DAYS_AGO) * DAY_MS,
    });
    log(
      `archive: the ${bettors.length} bettors' own history: ${bettorSeed.bets.toLocaleString('en-US')} bets in ${bettorSeed.seconds.toFixed(1)} s`,
    );
    const { gatewayUrl, adminToken } = session.bench.platform;
    await warmUp(session, opts.warmUpS);
    const gatewayOps = session.bench.platform.services.get('gateway')?.opsUrl;
    const shedNow = () => (gatewayOps ? scrapeByLabel(gatewayOps, SHED_METRIC, 'reason') : Promise.resolve(null));
    const shedBefore = await shedNow();

    log(`archive: window 1, no archive run: ${opts.rate} bets/s for ${opts.durationS} s`);
    const withoutArchive = await runE2eLoad(session, opts.rate, durationMs, 'no archive', { measureNonces: false });
    if (ctx.signal.aborted) throw new Error('interrupted');
    const shedBetween = await shedNow();

    log('archive: POST /v1/admin/archive/run');
    const postedAt = performance.now();
    const cpu = startCpuMeter(session.cpuTargets);
    const walMark = await markWal(session.databaseUrl);
    const res = await fetch(`${gatewayUrl}/v1/admin/archive/run`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    if (res.status !== 202) throw new Error(`POST /v1/admin/archive/run: ${res.status} ${await res.text()}`);
    const { runId } = (await res.json()) as { runId: string };
    const watch = watchRun(gatewayUrl, adminToken, runId, ctx.signal);
    await watch.started;
    log(`archive: run ${runId} in progress after ${(performance.now() - postedAt).toFixed(0)} ms; window 2: the same load during it`);
    let duringArchive: E2eResult | undefined;
    let duringSendSeconds = 0;
    let runEndedBeforeWindow = watch.ended.aborted;
    if (!runEndedBeforeWindow) {
      duringArchive = await runE2eLoad(session, opts.rate, durationMs, 'during archive', {
        measureNonces: false,
        stopSending: watch.ended,
      });
      duringSendSeconds = duringArchive.sentRate > 0 ? duringArchive.sent / duringArchive.sentRate : 0;
      runEndedBeforeWindow = duringArchive.sent < duringArchive.planned;
      if (runEndedBeforeWindow) {
        log(
          `archive: the run ended ${duringSendSeconds.toFixed(1)} s into the ${opts.durationS} s window: ` +
            'only the bets sent while it ran are in window 2 (a larger --bets outlasts it)',
        );
      }
    } else {
      log('archive: the run ended before window 2 could start: no latency during a run (use a larger --bets)');
    }
    const { view, observedMs } = await watch.done;
    const cpuFigures = cpu.stop();
    const wal = await walSince(session.databaseUrl, walMark);
    const shedAfter = await shedNow();
    log(`archive: run ${view.status} (${view.bets.toLocaleString('en-US')} bets, ${view.partitions} partitions)`);

    const db = await checkAfterArchive(session.databaseUrl, now - RETENTION_DAYS * DAY_MS);
    const onDisk = filesUnder(archiveDir);
    const check: ArchiveCheck = { ...db, filesOnDisk: onDisk.files, bytesOnDisk: onDisk.bytes };
    const run: ArchiveRunFigures = {
      runId,
      status: view.status,
      error: view.error,
      partitions: view.partitions,
      bets: view.bets,
      walletEntries: view.walletEntries,
      bytes: view.bytes,
      runSeconds: view.startedAt !== null && view.finishedAt !== null ? (view.finishedAt - view.startedAt) / 1000 : null,
      observedSeconds: observedMs / 1000,
      betsPerSec: perSecond(view.bets, view.startedAt, view.finishedAt),
      entriesPerSec: perSecond(view.walletEntries, view.startedAt, view.finishedAt),
      bytesPerSec: perSecond(view.bytes, view.startedAt, view.finishedAt),
      cpu: cpuFigures,
      wal,
    };
    // No second window at all: judged on an empty load (p99 null: not judged).
    const during = duringArchive ?? { ...withoutArchive, latencyMs: { count: 0, p50: null, p95: null, p99: null, max: null, mean: null } };
    const result: ArchiveResult = {
      mode: 'archive',
      retentionDays: RETENTION_DAYS,
      partitionMaxBets: opts.partitionBets,
      pauseRatio: opts.pauseRatio,
      seed: {
        bets: seed.bets,
        wallets: WALLETS,
        betEntries: seed.betEntries,
        won: seed.won,
        lost: seed.lost,
        void: seed.void,
        rejected: seed.rejected,
        oldestDaysAgo: OLDEST_DAYS_AGO,
        newestDaysAgo: NEWEST_DAYS_AGO,
        seconds: seed.seconds,
        vacuumSeconds: seed.vacuumSeconds,
        checkpointSeconds: seed.checkpointSeconds,
        bettors: { players: bettors.length, bets: bettorSeed.bets, betEntries: bettorSeed.betEntries, seconds: bettorSeed.seconds },
      },
      run,
      check,
      rate: opts.rate,
      windowS: opts.durationS,
      withoutArchive,
      duringArchive: during,
      runEndedBeforeWindow,
      duringSendSeconds,
      shedWithoutByReason: counterDelta(shedBefore, shedBetween),
      shedDuringByReason: counterDelta(shedBetween, shedAfter),
      targets: judgeArchive(withoutArchive, during, check, view.status === 'succeeded'),
    };
    const t = result.targets;
    if (!t.runSucceeded || !t.allArchived || !t.noDrift) {
      process.stdout.write(JSON.stringify({ run: { ...run, cpu: undefined }, check }, null, 2) + '\n');
      throw new Error(
        `archive check failed: run ${view.status}${view.error ? ` (${view.error})` : ''}, ` +
          `${check.seededBetsLeft} seeded bets left, drift ${check.drift} of ${check.walletsChecked} wallets`,
      );
    }
    return result;
  } finally {
    await ctx.cleanup.unwindTo(mark, log);
  }
}
