import { describe, expect, it } from 'vitest';
import { formatHotSpots, packageOf, selfTimeByPackage, topSelfTime, type CpuProfile } from './profile-summary.js';

const frame = (functionName: string, url = 'file:///x/a.js', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('topSelfTime', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 10_000,
    nodes: [
      { id: 1, callFrame: frame('(root)', '') },
      { id: 2, callFrame: frame('hot', 'file:///x/a.js', 9) },
      { id: 3, callFrame: frame('warm') },
      // Same function reached through another path: summed.
      { id: 4, callFrame: frame('hot', 'file:///x/a.js', 9) },
    ],
    samples: [2, 3, 4, 2],
    timeDeltas: [0, 1_000, 3_000, 4_000],
  };

  it('sums self time per function from the sample deltas', () => {
    const { totalMs, spots } = topSelfTime(profile);
    expect(totalMs).toBe(8);
    expect(spots[0]).toMatchObject({ fn: 'hot', location: '/x/a.js:10', selfMs: 5 });
    expect(spots[0]!.percent).toBeCloseTo(62.5);
    expect(spots[1]).toMatchObject({ fn: 'warm', selfMs: 3 });
  });

  it('falls back to hit counts', () => {
    const { spots } = topSelfTime({
      startTime: 0,
      endTime: 4_000,
      nodes: [
        { id: 1, callFrame: frame('a'), hitCount: 3 },
        { id: 2, callFrame: frame('b'), hitCount: 1 },
      ],
    });
    expect(spots.map((s) => [s.fn, s.selfMs])).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
  });

  it('formats a readable list', () => {
    expect(formatHotSpots('gateway', topSelfTime(profile, 1))).toContain('62.5 %   62.5%        5 ms  hot  /x/a.js:10');
  });
});

describe('packageOf / selfTimeByPackage', () => {
  it('names the package of a location', () => {
    expect(packageOf('ioredis/built/Pipeline.js:38', 'x')).toBe('ioredis');
    expect(packageOf('@opentelemetry/sdk-trace/build/src/Span.js:16', 'x')).toBe('@opentelemetry/sdk-trace');
    expect(packageOf('services/gateway/src/http/app.ts:1', 'x')).toBe('services/gateway');
    expect(packageOf('node:events:471', 'emit')).toBe('node internals');
    expect(packageOf('(native)', '(garbage collector)')).toBe('GC');
    expect(packageOf('(native)', 'writev')).toBe('native');
  });

  it('sums self time per package', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 3_000,
      nodes: [
        {
          id: 1,
          callFrame: { functionName: 'a', url: 'file:///r/node_modules/.pnpm/ioredis@5/node_modules/ioredis/x.js', lineNumber: 0 },
          hitCount: 2,
        },
        {
          id: 2,
          callFrame: { functionName: 'b', url: 'file:///r/node_modules/.pnpm/ioredis@5/node_modules/ioredis/y.js', lineNumber: 0 },
          hitCount: 1,
        },
      ],
    };
    expect(selfTimeByPackage(profile)).toEqual([{ pkg: 'ioredis', selfMs: 3, percent: 100 }]);
  });
});
