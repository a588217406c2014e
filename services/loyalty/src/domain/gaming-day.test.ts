import { describe, expect, it } from 'vitest';
import { gamingDate, isTimeZone } from './gaming-day.js';

/** [instant, GAMING_TZ, GAMING_DAY_START, expected gaming date] */
type Case = [iso: string, tz: string, start: string, expected: string];

const cases: Record<string, Case[]> = {
  'in UTC, a day runs from 06:00 to 05:59 the next morning': [
    ['2026-12-04T05:59:59Z', 'UTC', '06:00', '2026-12-03'],
    ['2026-12-04T06:00:00Z', 'UTC', '06:00', '2026-12-04'],
    ['2026-12-04T23:59:59Z', 'UTC', '06:00', '2026-12-04'],
    ['2027-01-01T02:00:00Z', 'UTC', '06:00', '2026-12-31'],
  ],
  // 05:30 in Los Angeles (UTC−8 in December) is 13:30 UTC; 06:00 in Macau (UTC+8) is 22:00 UTC the day before.
  'reads the wall clock of GAMING_TZ, not UTC': [
    ['2026-12-04T13:30:00Z', 'America/Los_Angeles', '06:00', '2026-12-03'],
    ['2026-12-04T14:00:00Z', 'America/Los_Angeles', '06:00', '2026-12-04'],
    ['2026-12-03T21:59:00Z', 'Asia/Macau', '06:00', '2026-12-03'],
    ['2026-12-03T22:00:00Z', 'Asia/Macau', '06:00', '2026-12-04'],
  ],
  // Berlin moves to UTC+2 on 2026-03-29 at 02:00 local: 06:00 local is 04:00 UTC that day, 05:00 UTC the day before.
  // Subtracting a fixed 6 h from the instant would misplace the first boundary.
  'keeps the boundary at the local start across a DST change': [
    ['2026-03-29T03:59:00Z', 'Europe/Berlin', '06:00', '2026-03-28'],
    ['2026-03-29T04:00:00Z', 'Europe/Berlin', '06:00', '2026-03-29'],
    ['2026-03-28T04:59:00Z', 'Europe/Berlin', '06:00', '2026-03-27'],
    ['2026-03-28T05:00:00Z', 'Europe/Berlin', '06:00', '2026-03-28'],
  ],
  'with a midnight start is the plain local date': [
    ['2026-12-04T00:00:00Z', 'UTC', '00:00', '2026-12-04'],
    ['2026-12-03T23:59:59Z', 'UTC', '00:00', '2026-12-03'],
  ],
};

describe('gamingDate', () => {
  for (const [title, list] of Object.entries(cases)) {
    it(title, () => {
      for (const [iso, tz, start, expected] of list) expect(gamingDate(Date.parse(iso), tz, start), `${iso} in ${tz}`).toBe(expected);
    });
  }

  it('refuses a malformed start, and knows real time zones', () => {
    expect(() => gamingDate(0, 'UTC', '6:00')).toThrow(/HH:MM/);
    expect(() => gamingDate(0, 'UTC', '24:00')).toThrow(/HH:MM/);
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
