/**
 * SPEC 3: a tick's `ts` must lie in `[previous tick ts, now + 1 s]`. The upper bound's tolerance, used by the
 * gateway's admin tick endpoint (an early 400) and by feed-monitor's tick script (the authoritative check).
 */
export const TICK_FUTURE_TOLERANCE_MS = 1_000;
