import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, type ServiceName } from '@wagerflow/config';
import { eventually } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

/**
 * Issue 12 (the operator's view): every metric named in the Grafana dashboard's PromQL
 * (infra/grafana/dashboards/wagerflow.json) and in the alert rules (infra/prometheus/alerts.yml) must be one that
 * the running platform really exports. The platform is started as the other black-box tests start it (every
 * service its own process), each service's `/metrics` is scraped, and the names are compared.
 *
 * A name counts as exported when a service's exposition declares it (`# TYPE name …`) or has a sample of it. The
 * declaration matters: prom-client prints `# HELP`/`# TYPE` for a labelled counter that was never incremented
 * (e.g. wagerflow_loyalty_rewards_total before the first reward) but no sample, so the name is registered and
 * right even though Prometheus has no series yet. Those are printed. `x_bucket`/`x_sum`/`x_count` count as
 * exported when `x` is declared a histogram or summary. The label names of `{…}` matchers are checked too, for the
 * metrics that have samples (a label typo matches nothing and an alert on it never fires); `job` and `instance` are
 * Prometheus' own target labels.
 *
 * No PromQL parser is a dependency of this repository (the maintained one, @prometheus-io/lezer-promql, would be a
 * new one), so `metricNames` below is a tokenizer aware of PromQL's syntax, with its own cases at the end.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/**
 * Names the rules or the dashboard may use before a service exports them, each with why and where it comes from:
 * `name → reason`. Printed on every run, and flagged once exported so they are removed. Empty: every name is
 * exported (the issue 12 archiver metrics, pending here at first, landed with the archiver in 5102736).
 */
const ALLOWED_UNEXPORTED = new Map<string, string>([]);

/** Series Prometheus writes itself for every scrape target, not found in any /metrics. */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added']);

// ---------------------------------------------------------------------------------------------------------
// PromQL: the metric names an expression selects.

/** Keywords and operators that look like identifiers but are not followed by `(`. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'atan2',
  'inf',
  'nan',
  // aggregation operators, which may be followed by `by (…)` / `without (…)` instead of `(`
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);

/** Removes every balanced `open … close` span (nesting-aware; strings are removed before this runs). */
function dropBalanced(expr: string, open: string, close: string, keep: (before: string) => boolean = () => false): string {
  let out = '';
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === open) {
      if (depth === 0) {
        out += expr.slice(start, i);
        start = i;
      }
      depth++;
    } else if (c === close && depth > 0) {
      depth--;
      if (depth === 0) {
        const span = expr.slice(start, i + 1);
        out += keep(out) ? span : ' ';
        start = i + 1;
      }
    }
  }
  if (depth !== 0) throw new Error(`unbalanced ${open}${close} in: ${expr}`);
  return out + expr.slice(start);
}

/**
 * Metric names selected by a PromQL expression (Grafana variables and `label_values(metric, label)` allowed).
 * Strings, `{…}` matchers, `[…]` ranges, label lists after by/without/on/ignoring/group_left/group_right, numbers,
 * durations, function calls and keywords are removed; every identifier left is a metric name.
 */
export function metricNames(expr: string): string[] {
  let e = expr
    // Grafana: label_values(metric, label) → metric; label_values(label) → nothing.
    .replace(/\blabel_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*[a-zA-Z_]\w*\s*\)/g, ' $1 ')
    .replace(/\blabel_values\(\s*[a-zA-Z_]\w*\s*\)/g, ' ')
    // Grafana variables: $__rate_interval, ${var}, [[var]]
    .replace(/\$\{[^}]*\}|\$\w+|\[\[\w+\]\]/g, ' 1 ')
    // comments, then strings (PromQL: "…", '…' with backslash escapes, `…` raw)
    .replace(/#[^\n]*/g, ' ')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' "" ');
  e = dropBalanced(e, '{', '}');
  e = dropBalanced(e, '[', ']');
  // Label lists: by (…), without (…), on (…), ignoring (…), group_left (…), group_right (…)
  e = e.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)/g, ' $1 ');
  const names = new Set<string>();
  const ident = /[a-zA-Z_:][\w:]*/g;
  for (let m = ident.exec(e); m; m = ident.exec(e)) {
    const before = e[m.index - 1] ?? ' ';
    if (/[\w.]/.test(before)) continue; // inside a number or duration: 1e3, 5m, 0x1f, 1.5e-3
    const after = e.slice(m.index + m[0].length);
    if (/^\s*\(/.test(after)) continue; // a function or an aggregation called directly
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names].sort();
}

// ---------------------------------------------------------------------------------------------------------
// Where the expressions are.

interface Expr {
  where: string;
  expr: string;
}

function dashboardExprs(): Expr[] {
  const dashboard = JSON.parse(read('infra/grafana/dashboards/wagerflow.json')) as {
    panels?: Panel[];
    templating?: { list?: { name: string; query?: unknown; definition?: unknown }[] };
  };
  interface Panel {
    title?: string;
    panels?: Panel[];
    targets?: { expr?: string; refId?: string }[];
  }
  const out: Expr[] = [];
  const walk = (panels: Panel[] = []) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: `dashboard "${p.title ?? '?'}" ${t.refId ?? ''}`, expr: t.expr });
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  for (const v of dashboard.templating?.list ?? []) {
    const q = typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query;
    if (q) out.push({ where: `dashboard variable $${v.name}`, expr: q });
  }
  return out;
}

function ruleExprs(): Expr[] {
  const file = parse(read('infra/prometheus/alerts.yml')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  return file.groups.flatMap((g) => g.rules.map((r) => ({ where: `alerts.yml ${r.alert ?? r.record ?? '?'}`, expr: String(r.expr) })));
}

// ---------------------------------------------------------------------------------------------------------
// The exposition format: declared names (# TYPE) and sampled names.

interface Exported {
  types: Map<string, string>;
  sampled: Set<string>;
  /** The label names each sampled name carries. */
  labels: Map<string, Set<string>>;
}

const emptyExported = (): Exported => ({ types: new Map(), sampled: new Set(), labels: new Map() });

function parseExposition(text: string, into: Exported): void {
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) into.types.set(type[1] ?? '', type[2] ?? '');
    else if (line && !line.startsWith('#')) {
      const name = /^[^\s{]+/.exec(line)?.[0] ?? '';
      into.sampled.add(name);
      const labels = into.labels.get(name) ?? new Set<string>();
      for (const m of line.matchAll(/[{,]\s*([a-zA-Z_]\w*)="(?:[^"\\]|\\.)*"/g)) labels.add(m[1] ?? '');
      into.labels.set(name, labels);
    }
  }
}

/** `name{label="…", …}` selectors of an expression: each metric name with the label names its matchers use. */
export function selectorLabels(expr: string): { name: string; labels: string[] }[] {
  const e = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  return [...e.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)].map((m) => ({
    name: m[1] ?? '',
    labels: [...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1] ?? ''),
  }));
}

/** Labels Prometheus adds to every scraped series (prometheus.yml: one job per service, discovered instances). */
const TARGET_LABELS = ['job', 'instance'];

function isExported(name: string, ex: Exported): boolean {
  if (ex.types.has(name) || ex.sampled.has(name)) return true;
  const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return base !== undefined && ['histogram', 'summary'].includes(ex.types.get(base) ?? '');
}

// ---------------------------------------------------------------------------------------------------------

describe('metric names in the dashboard and the alert rules', () => {
  let platform: TestPlatform;
  const byService = new Map<ServiceName, Exported>();
  const all: Exported = emptyExported();

  let archiveDir: string | undefined;

  beforeAll(async () => {
    // last_successful_archive_timestamp exists only once a run has succeeded (a 0 would fake a 1970 success): one
    // archive run first (retention 0: every settled bet, none here), so that it and the run duration are exported.
    archiveDir = mkdtempSync(join(tmpdir(), 'wf-metric-names-archive-'));
    platform = await startTestPlatform({ ARCHIVE_URL: pathToFileURL(archiveDir).href, ARCHIVE_RETENTION_DAYS: '0' });
    const auth = { authorization: `Bearer ${platform.adminToken}` };
    const started = await fetch(`${platform.baseUrl}/v1/admin/archive/run`, { method: 'POST', headers: auth });
    expect(started.status, 'POST /v1/admin/archive/run').toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    const run = await eventually(
      async () => {
        const res = await fetch(`${platform.baseUrl}/v1/admin/archive/runs/${runId}`, { headers: auth });
        const body = (await res.json()) as { status: string; error: string | null };
        return ['succeeded', 'failed'].includes(body.status) ? body : undefined;
      },
      60_000,
      `archive run ${runId} to finish`,
    );
    expect(run, 'the archive run succeeded').toMatchObject({ status: 'succeeded' });
    for (const name of SERVICE_NAMES) {
      const res = await fetch(`${platform.platform.services.get(name)!.opsUrl}/metrics`);
      expect(res.status, `${name} /metrics`).toBe(200);
      const text = await res.text();
      const ex: Exported = emptyExported();
      parseExposition(text, ex);
      parseExposition(text, all);
      byService.set(name, ex);
    }
  });
  afterAll(async () => {
    await platform?.stop();
    if (archiveDir) rmSync(archiveDir, { recursive: true, force: true });
  });

  it('names only metrics that a running platform exports', () => {
    const exprs = [...dashboardExprs(), ...ruleExprs()];
    expect(exprs.length).toBeGreaterThan(20);
    const unknown: string[] = [];
    const allowed = new Map<string, string[]>();
    const declaredOnly = new Set<string>();
    for (const { where, expr } of exprs) {
      const names = metricNames(expr);
      expect(names.length > 0 || /^\s*vector\(/.test(expr), `${where}: no metric in ${expr}`).toBe(true);
      for (const name of names) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        if (SYNTHETIC.has(name)) continue;
        if (isExported(name, all)) {
          if (!all.sampled.has(name)) declaredOnly.add(name);
        } else if (ALLOWED_UNEXPORTED.has(name) || ALLOWED_UNEXPORTED.has(base)) allowed.set(name, [...(allowed.get(name) ?? []), where]);
        else unknown.push(`${name} (${where})`);
      }
      // Label matchers on a sampled metric must use labels it carries (a typo'd label matches nothing, silently).
      for (const { name, labels } of selectorLabels(expr)) {
        const carried = all.labels.get(name);
        if (!carried || SYNTHETIC.has(name)) continue;
        for (const label of labels) {
          if (!carried.has(label) && !TARGET_LABELS.includes(label)) unknown.push(`label ${label} of ${name} (${where})`);
        }
      }
    }
    const report = [
      `allow-listed, not exported by the running platform: ${allowed.size ? '' : 'none'}`,
      ...[...allowed].map(([n, w]) => `  ${n} (${ALLOWED_UNEXPORTED.get(n.replace(/_(bucket|sum|count)$/, '')) ?? ''})  ← ${w.join('; ')}`),
      `declared by a service but without a sample yet (labelled, nothing happened): ${[...declaredOnly].sort().join(', ') || 'none'}`,
    ];
    const nowExported = [...ALLOWED_UNEXPORTED.keys()].filter((n) => isExported(n, all));
    if (nowExported.length) report.push(`EXPORTED NOW, remove from the allow-lists: ${nowExported.join(', ')}`);
    console.log(report.join('\n'));
    if (process.env.METRIC_NAMES_DUMP) {
      for (const [service, ex] of byService) console.log(`${service}: ${[...ex.types].map(([n, t]) => `${n} ${t}`).join('\n  ')}`);
    }
    expect(unknown, 'metric names no service exports (typo? renamed?)').toEqual([]);
  });

  it('exports the metrics each panel relies on from the service that owns them', () => {
    const owner: Record<string, ServiceName> = {
      wagerflow_http_request_seconds: 'gateway',
      wagerflow_gateway_shed_total: 'gateway',
      wagerflow_ledger_batch_size: 'bet-ledger',
      wagerflow_ledger_batch_seconds: 'bet-ledger',
      wagerflow_ledger_bets_total: 'bet-ledger',
      wagerflow_feed_status: 'feed-monitor',
      wagerflow_loyalty_drift_accounts: 'loyalty',
      wagerflow_loyalty_plays_total: 'loyalty',
    };
    for (const [metric, service] of Object.entries(owner)) {
      expect(byService.get(service)?.types.has(metric), `${service} declares ${metric}`).toBe(true);
    }
    // Node's default metrics, on every service.
    for (const service of SERVICE_NAMES) {
      for (const m of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'up']) {
        if (m === 'up') continue; // `up` is Prometheus' own
        expect(byService.get(service)?.types.has(m), `${service} declares ${m}`).toBe(true);
      }
    }
  });
});

describe('selectorLabels', () => {
  it('reads the label names of each selector, not the values', () => {
    expect(selectorLabels('sum(rate(a_total{route="/v1/x{y}", reason!~"a=b"}[1m])) / b{state=\'x\'} + c')).toEqual([
      { name: 'a_total', labels: ['route', 'reason'] },
      { name: 'b', labels: ['state'] },
    ]);
  });
});

describe('metricNames (the PromQL tokenizer)', () => {
  it.each([
    ['time() - last_successful_archive_timestamp > 8 * 24 * 3600', ['last_successful_archive_timestamp']],
    ['max by (queue) (wagerflow_queue_jobs{state="waiting"}) > 10000', ['wagerflow_queue_jobs']],
    ['sum without (instance, le) (rate(a_total{x=~"a|b", y!="c)"}[5m] offset 1h))', ['a_total']],
    [
      'histogram_quantile(0.99, sum by (le, route) (rate(wagerflow_http_request_seconds_bucket{route="/v1/bets"}[$__rate_interval])))',
      ['wagerflow_http_request_seconds_bucket'],
    ],
    ['a / on (job) group_left (service) b and c unless d or e bool == 1e3', ['a', 'b', 'c', 'd', 'e']],
    ['sum(x) by (market) / count(y)', ['x', 'y']],
    ['label_values(wagerflow_feed_status, market)', ['wagerflow_feed_status']],
    ['absent(up{job="gateway"}) or vector(0)', ['up']],
    ['rate(foo[1h:5m]) + topk(3, bar) + quantile(0.5, baz) * inf', ['bar', 'baz', 'foo']],
    ['wagerflow_feed_status{market=~"$market", status="CRITICAL"} == 1', ['wagerflow_feed_status']],
  ])('%s', (expr, names) => {
    expect(metricNames(expr)).toEqual(names);
  });
});
