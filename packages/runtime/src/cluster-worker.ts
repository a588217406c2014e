/**
 * The worker's side of a clustered service (cluster.ts): the primary owns the ops port, so a worker answers the
 * primary's readiness requests over the IPC channel, and its metrics registry is what prom-client's
 * AggregatorRegistry collects from it.
 */
import client from 'prom-client';
import type { Metrics } from './metrics.js';
import { runChecks, type ReadinessCheck } from './readiness.js';

export const READY_REQUEST = 'wagerflow:ready?';
export const READY_REPLY = 'wagerflow:ready';

export interface ReadyRequest {
  type: typeof READY_REQUEST;
  id: number;
}
export interface ReadyReply {
  type: typeof READY_REPLY;
  id: number;
  ok: boolean;
  checks: Record<string, string>;
}

const isReadyRequest = (m: unknown): m is ReadyRequest => (m as ReadyRequest | null)?.type === READY_REQUEST;

export function answerPrimary(opts: {
  port: number;
  metrics: Metrics;
  checks: Record<string, ReadinessCheck>;
  isDraining: () => boolean;
}): { port: number; close(): Promise<void> } {
  // Constructing one registers prom-client's own answer to the primary's metrics requests in this worker.
  new client.AggregatorRegistry();
  client.AggregatorRegistry.setRegistries([opts.metrics.registry]);
  const reply = (r: ReadyReply) => {
    // The primary may be gone (it was killed): the channel is closed and the worker exits on its disconnect.
    if (process.connected) process.send?.(r);
  };
  const onMessage = (m: unknown) => {
    if (!isReadyRequest(m)) return;
    if (opts.isDraining()) return reply({ type: READY_REPLY, id: m.id, ok: false, checks: { process: 'draining' } });
    void runChecks(opts.checks).then((r) => reply({ type: READY_REPLY, id: m.id, ...r }));
  };
  process.on('message', onMessage);
  return {
    port: opts.port,
    close: () => {
      process.off('message', onMessage);
      return Promise.resolve();
    },
  };
}
