import { describe, expect, it } from 'vitest';
import { formatStatements, shortQuery, type StatementCost } from './pg-statements.js';

const row = (query: string, execMs: number, planMs: number, calls: number, toplevel = true): StatementCost => ({
  query,
  execMs,
  planMs,
  calls,
  rows: calls * 2,
  toplevel,
});

describe('pg statement report', () => {
  it('orders statements by execution plus planning time, shares of the top-level total only', () => {
    const text = formatStatements(
      [
        row('SELECT cheap', 10, 0, 100),
        row('SELECT   costly\n  FROM t', 30, 30, 1_000),
        // Inside `costly`: its time is already in costly's row, so it does not count twice in the total.
        row('SELECT nested', 40, 0, 500, false),
      ],
      2,
    );
    const lines = text.split('\n');
    expect(lines[0]).toContain('70 ms in all at top level');
    // costly (60 ms) before nested (40 ms); cheap (10 ms) is past the limit of two.
    expect(lines[3]).toMatch(/^\s+60\s+85\.7 %\s+50 %\s+1000\s+60\s+2\.0\s+SELECT costly FROM t$/);
    expect(lines[4]).toMatch(/^\s+40\s+57\.1 %\s+0 %\s+500\s+80\s+2\.0\s+in\s+SELECT nested$/);
    expect(lines).toHaveLength(5);
  });

  it('puts a query on one line and cuts it at the width', () => {
    expect(shortQuery('SELECT a,\n\t b  FROM t')).toBe('SELECT a, b FROM t');
    expect(shortQuery('x'.repeat(20), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
