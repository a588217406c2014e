/**
 * Progress while a run goes: a redrawn bar on stderr when it is a terminal, otherwise (CI, a pipe, a log file) one
 * plain line every few seconds, so the output stays readable when captured. stdout is left for the report.
 */
export interface ProgressSnapshot {
  label: string;
  elapsedMs: number;
  totalMs: number;
  sent: number;
  outcomes: number;
  errors: number;
  /** Latest p99 of send → outcome, ms. */
  p99Ms: number | null;
  sendLagP99Ms: number | null;
}

const BAR_WIDTH = 24;

export function progressLine(s: ProgressSnapshot, bar: boolean): string {
  // Timed loads fill the bar with time; count-based runs (totalMs 0: the ledger modes) with outcomes of sent.
  const fraction = Math.min(1, Math.max(0, s.totalMs > 0 ? s.elapsedMs / s.totalMs : s.sent > 0 ? s.outcomes / s.sent : 1));
  const filled = Math.round(fraction * BAR_WIDTH);
  const ms = (v: number | null) => (v === null ? '—' : `${v.toFixed(v < 10 ? 1 : 0)}ms`);
  const head = bar
    ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`
    : s.totalMs > 0
      ? `${(s.elapsedMs / 1000).toFixed(0)}/${(s.totalMs / 1000).toFixed(0)} s`
      : `${(s.elapsedMs / 1000).toFixed(0)} s`;
  return `${s.label} ${head} sent ${s.sent} outcomes ${s.outcomes} errors ${s.errors} p99 ${ms(s.p99Ms)} lag p99 ${ms(s.sendLagP99Ms)}`;
}

export interface ProgressReporter {
  stop(): void;
}

/** Poll `snapshot` and draw it; `stop()` ends the line. */
export function startProgress(
  snapshot: () => ProgressSnapshot,
  opts: { stream?: NodeJS.WriteStream; intervalMs?: number; plainEveryMs?: number } = {},
): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  const draw = () => {
    const s = snapshot();
    if (tty) stream.write(`\r\x1b[2K${progressLine(s, true)}`);
    else if (s.elapsedMs - lastPlain >= (opts.plainEveryMs ?? 5_000)) {
      lastPlain = s.elapsedMs;
      stream.write(progressLine(s, false) + '\n');
    }
  };
  const timer = setInterval(draw, tty ? (opts.intervalMs ?? 250) : 500);
  return {
    stop() {
      clearInterval(timer);
      if (tty) {
        draw();
        stream.write('\n');
      }
    },
  };
}
