import client from 'prom-client';

export interface Metrics {
  registry: client.Registry;
  counter<L extends string>(name: string, help: string, labelNames?: readonly L[]): client.Counter<L>;
  /** `collect` runs at scrape time (awaited by `registry.metrics()`): for values read on demand, e.g. queue counts. */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    collect?: (this: client.Gauge<L>) => void | Promise<void>,
    /** How a clustered service's primary combines its workers' values (cluster.ts): summed unless said otherwise. */
    aggregator?: client.Aggregator,
  ): client.Gauge<L>;
  histogram<L extends string>(name: string, help: string, buckets: number[], labelNames?: readonly L[]): client.Histogram<L>;
}

/** One registry per process, default Node metrics included, every series labelled with the service. */
export function createMetrics(service: string): Metrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    counter: (name, help, labelNames = []) => new client.Counter({ name, help, labelNames, registers: [registry] }),
    gauge: (name, help, labelNames = [], collect, aggregator) =>
      new client.Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        ...(collect ? { collect } : {}),
        ...(aggregator ? { aggregator } : {}),
      }),
    histogram: (name, help, buckets, labelNames = []) => new client.Histogram({ name, help, buckets, labelNames, registers: [registry] }),
  };
}
