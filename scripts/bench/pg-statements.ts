/**
 * `--profile postgres`: the embedded Postgres runs with pg_stat_statements, and the bench prints the statements that
 * cost the server most (execution plus planning time), across every database of the run. Postgres' share of a bet's
 * CPU is otherwise one opaque figure; this says which statement to fold or drop.
 */
import pg from 'pg';

export const PG_STATEMENTS_FLAGS = [
  '-c',
  'shared_preload_libraries=pg_stat_statements',
  '-c',
  'pg_stat_statements.track=all',
  '-c',
  'pg_stat_statements.track_planning=on',
];

export interface StatementCost {
  query: string;
  calls: number;
  execMs: number;
  planMs: number;
  rows: number;
  /** False for a statement run inside another (a function's body, a foreign-key check): its time is also its caller's. */
  toplevel: boolean;
}

/** `query` on one line, at most `width` characters. */
export function shortQuery(query: string, width = 110): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

export function formatStatements(rows: readonly StatementCost[], limit: number): string {
  const total = rows.filter((r) => r.toplevel).reduce((sum, r) => sum + r.execMs + r.planMs, 0);
  const lines = [
    `Postgres statements by server time (pg_stat_statements; ${rows.length} statements, ${total.toFixed(0)} ms in all at top level;`,
    '  "in" marks a statement run inside another, whose time its caller\'s figure includes)',
    '    ms   share  plan %      calls  µs/call  rows/call     query',
  ];
  for (const r of [...rows].sort((a, b) => b.execMs + b.planMs - (a.execMs + a.planMs)).slice(0, limit)) {
    const ms = r.execMs + r.planMs;
    const share = total > 0 ? (100 * ms) / total : 0;
    const perCall = r.calls > 0 ? (1000 * ms) / r.calls : 0;
    const rowsPerCall = r.calls > 0 ? r.rows / r.calls : 0;
    const planShare = ms > 0 ? (100 * r.planMs) / ms : 0;
    lines.push(
      `${ms.toFixed(0).padStart(6)} ${share.toFixed(1).padStart(6)} % ${planShare.toFixed(0).padStart(5)} % ` +
        `${String(r.calls).padStart(10)} ${perCall.toFixed(0).padStart(8)} ${rowsPerCall.toFixed(1).padStart(10)}  ` +
        `${r.toplevel ? '  ' : 'in'}  ${shortQuery(r.query)}`,
    );
  }
  return lines.join('\n');
}

/** Every statement the server recorded since it started (the bench's own setup included). */
export async function readStatements(serverUrl: string): Promise<StatementCost[]> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { rows } = await client.query<{
      query: string;
      toplevel: boolean;
      calls: string;
      exec: number;
      plan: number;
      rows: string;
    }>(
      `SELECT query, toplevel, sum(calls) AS calls, sum(total_exec_time) AS exec, sum(total_plan_time) AS plan,
              sum(rows) AS rows
         FROM pg_stat_statements GROUP BY query, toplevel`,
    );
    return rows.map((r) => ({
      query: r.query,
      calls: Number(r.calls),
      execMs: Number(r.exec),
      planMs: Number(r.plan),
      rows: Number(r.rows),
      toplevel: r.toplevel,
    }));
  } finally {
    await client.end();
  }
}
