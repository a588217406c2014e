import { describe, expect, it } from 'vitest';
import { parseProcStat, parseProcStatCpuLine, processCpuMs } from './process-cpu.js';

describe('parseProcStat', () => {
  it('counts fields after the last parenthesis (names may contain spaces and parens)', () => {
    const line = '4242 (node (tsx) x) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 11 0 123 456 789';
    expect(parseProcStat(line)).toEqual({ ppid: 17, ticks: 300, childTicks: 10 });
  });

  it('reads this process', () => {
    expect(processCpuMs(process.pid)).toBeGreaterThanOrEqual(0);
    expect(processCpuMs(2 ** 30)).toBeNull();
  });
});

describe('parseProcStatCpuLine', () => {
  it('treats idle and iowait as not busy', () => {
    const text = 'cpu  100 5 50 800 40 1 4 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n';
    expect(parseProcStatCpuLine(text)).toEqual({ busy: 160, total: 1000 });
    expect(parseProcStatCpuLine('nothing')).toBeNull();
  });
});
