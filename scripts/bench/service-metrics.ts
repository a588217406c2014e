/**
 * A few figures from the services' own Prometheus endpoints, read before and after a load: the ledger's batch
 * size and batch time (is it batching at all under this load?). Only the difference between the two scrapes is
 * reported. Missing metrics (a service that renamed them) simply give nulls.
 */
export type MetricTotals = Map<string, number>;

/** Sum of every sample of each metric name in a Prometheus text exposition (labels ignored). */
export function parsePrometheusTotals(text: string): MetricTotals {
  const totals: MetricTotals = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (Number.isFinite(value)) totals.set(match[1]!, (totals.get(match[1]!) ?? 0) + value);
  }
  return totals;
}

export async function scrapeTotals(opsUrl: string): Promise<MetricTotals | null> {
  try {
    const res = await fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return res.ok ? parsePrometheusTotals(await res.text()) : null;
  } catch {
    return null;
  }
}

/** The totals of several processes of one service added up (null when none answered). */
export function sumTotals(all: readonly (MetricTotals | null)[]): MetricTotals | null {
  const answered = all.filter((t): t is MetricTotals => t !== null);
  if (answered.length === 0) return null;
  const sum: MetricTotals = new Map();
  for (const totals of answered) for (const [name, value] of totals) sum.set(name, (sum.get(name) ?? 0) + value);
  return sum;
}

/** `scrapeTotals` of every ops URL, added up: bet-ledger's batches when several processes share its queue. */
export async function scrapeTotalsOf(opsUrls: readonly string[]): Promise<MetricTotals | null> {
  return sumTotals(await Promise.all(opsUrls.map(scrapeTotals)));
}

export interface LedgerBatchFigures {
  batches: number;
  meanBetsPerBatch: number | null;
  meanBatchMs: number | null;
}

/** Batches between two scrapes of bet-ledger (`wagerflow_ledger_batch_size` / `_seconds` histograms). */
export function ledgerBatches(before: MetricTotals | null, after: MetricTotals | null): LedgerBatchFigures | null {
  if (!after) return null;
  const d = (name: string) => {
    const a = after.get(name);
    return a === undefined ? null : a - (before?.get(name) ?? 0);
  };
  const batches = d('wagerflow_ledger_batch_size_count');
  if (batches === null) return null;
  const bets = d('wagerflow_ledger_batch_size_sum');
  const seconds = d('wagerflow_ledger_batch_seconds_sum');
  return {
    batches,
    meanBetsPerBatch: batches > 0 && bets !== null ? bets / batches : null,
    meanBatchMs: batches > 0 && seconds !== null ? (seconds * 1000) / batches : null,
  };
}

/** Samples of one metric by the value of one label (`wagerflow_gateway_shed_total` by `reason`). */
export function parseByLabel(text: string, metric: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== metric) continue;
    const value = Number(match[3]);
    const key = new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(match[2] ?? '')?.[1] ?? '';
    if (Number.isFinite(value)) out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

export async function scrapeByLabel(opsUrl: string, metric: string, label: string): Promise<Record<string, number> | null> {
  try {
    const res = await fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return res.ok ? parseByLabel(await res.text(), metric, label) : null;
  } catch {
    return null;
  }
}

/** after − before per key (keys that did not move are left out). */
export function counterDelta(before: Record<string, number> | null, after: Record<string, number> | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after ?? {})) {
    const d = v - (before?.[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}
