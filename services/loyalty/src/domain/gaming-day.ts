/**
 * The casino's gaming day (SPEC 4.7): the calendar date in GAMING_TZ, where a day starts at GAMING_DAY_START (06:00 by
 * default) rather than midnight, so a night's play and a reward given at 02:00 belong to the evening before. Computed
 * on the local wall clock (not by subtracting a fixed duration), so a DST change does not move the boundary.
 */

/** `HH:MM`, 00:00 … 23:59. */
export const GAMING_DAY_START_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Is `tz` an IANA time zone this runtime knows? */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(instantMs: number, tz: string): { year: number; month: number; day: number; minuteOfDay: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(tz, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(instantMs)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** The gaming date (`YYYY-MM-DD`) of an instant. */
export function gamingDate(instantMs: number, tz: string, dayStart: string): string {
  const start = GAMING_DAY_START_RE.exec(dayStart);
  if (!start) throw new Error(`day start must be HH:MM, got "${dayStart}"`);
  const startMinute = Number(start[1]) * 60 + Number(start[2]);
  const local = wallClock(instantMs, tz);
  // Calendar arithmetic on the date alone: before the day's start, it is still the previous gaming day.
  const date = new Date(Date.UTC(local.year, local.month - 1, local.day - (local.minuteOfDay < startMinute ? 1 : 0)));
  return date.toISOString().slice(0, 10);
}
