import { describe, expect, it } from 'vitest';
import { ledgerBatches, parsePrometheusTotals } from './service-metrics.js';

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
});
