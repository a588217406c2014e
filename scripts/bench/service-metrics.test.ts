import { describe, expect, it } from 'vitest';
import { counterDelta, ledgerBatches, parseByLabel, parsePrometheusTotals, scrapeTotalsOf, sumTotals } from './service-metrics.js';

const scrape = (count: number, sum: number, seconds: number) =>
  parsePrometheusTotals(
    [
      '# HELP wagerflow_ledger_batch_size Bets per ledger transaction',
      '# TYPE wagerflow_ledger_batch_size histogram',
      'wagerflow_ledger_batch_size_bucket{le="1",service="bet-ledger"} 3',
      `wagerflow_ledger_batch_size_sum{service="bet-ledger"} ${sum}`,
      `wagerflow_ledger_batch_size_count{service="bet-ledger"} ${count}`,
      `wagerflow_ledger_batch_seconds_sum{service="bet-ledger"} ${seconds}`,
      'nodejs_heap_space_size_total_bytes{space="old"} 10',
      'nodejs_heap_space_size_total_bytes{space="new"} 5',
    ].join('\n'),
  );

describe('service metrics', () => {
  it('sums samples per metric name', () => {
    expect(scrape(1, 2, 3).get('nodejs_heap_space_size_total_bytes')).toBe(15);
  });

  it('reports the batches between two scrapes', () => {
    expect(ledgerBatches(scrape(10, 100, 0.5), scrape(110, 25_100, 2.5))).toEqual({ batches: 100, meanBetsPerBatch: 250, meanBatchMs: 20 });
    expect(ledgerBatches(null, null)).toBeNull();
    expect(ledgerBatches(null, parsePrometheusTotals('other 1'))).toBeNull();
  });

  it('adds up the processes of one service, skipping those that did not answer', () => {
    const two = sumTotals([scrape(10, 100, 0.5), null, scrape(30, 300, 1.5)]);
    expect(ledgerBatches(null, two)).toEqual({ batches: 40, meanBetsPerBatch: 10, meanBatchMs: 50 });
    expect(two?.get('nodejs_heap_space_size_total_bytes')).toBe(30);
    expect(sumTotals([null, null])).toBeNull();
    expect(sumTotals([])).toBeNull();
  });

  it('scrapes nothing when no process answers', async () => {
    // Port 9 (discard) refuses connections here: the scrape fails fast and counts as no answer.
    await expect(scrapeTotalsOf(['http://127.0.0.1:9'])).resolves.toBeNull();
    await expect(scrapeTotalsOf([])).resolves.toBeNull();
  });
});

describe('parseByLabel / counterDelta', () => {
  it('sums one metric by one label and takes the difference of two scrapes', () => {
    const text = (a: number, b: number) =>
      [
        '# TYPE wagerflow_gateway_shed_total counter',
        `wagerflow_gateway_shed_total{route="/v1/bets",reason="in_flight",service="gateway"} ${a}`,
        `wagerflow_gateway_shed_total{route="/v1/me",reason="in_flight",service="gateway"} 1`,
        `wagerflow_gateway_shed_total{route="/v1/bets",reason="ledger_delay",service="gateway"} ${b}`,
        'wagerflow_gateway_shed_totally_else{reason="x"} 9',
      ].join('\n');
    const before = parseByLabel(text(2, 0), 'wagerflow_gateway_shed_total', 'reason');
    expect(before).toEqual({ in_flight: 3, ledger_delay: 0 });
    expect(counterDelta(before, parseByLabel(text(12, 5), 'wagerflow_gateway_shed_total', 'reason'))).toEqual({
      in_flight: 10,
      ledger_delay: 5,
    });
    expect(counterDelta(null, null)).toEqual({});
  });
});
