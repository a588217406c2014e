/**
 * Signed `POST /v1/bets` over the bench's bounded keep-alive pool (http-pool.ts). Each request is signed right before
 * it is handed to the pool (SPEC 4.2: fresh nonce, current timestamp); the wait for a pooled socket counts in its
 * latency.
 */
import { signedHeaders, type PlayerCredentials } from '@wagerflow/client';
import { createHttpPool, type HttpAnswer } from './http-pool.js';

export type SendResult = HttpAnswer;

export interface BetSender {
  post(creds: PlayerCredentials, body: string, done: (r: SendResult) => void): void;
  /** See HttpPool.warmConnections. */
  warmConnections(count: number): Promise<number>;
  close(): void;
}

const TARGET = '/v1/bets';

export function createBetSender(opts: { gatewayUrl: string; connections: number; timeoutMs: number }): BetSender {
  const pool = createHttpPool({ baseUrl: opts.gatewayUrl, connections: opts.connections, timeoutMs: opts.timeoutMs });
  return {
    post(creds, body, done) {
      pool.send({ method: 'POST', path: TARGET, headers: signedHeaders(creds, 'POST', TARGET, body), body }, done);
    },
    warmConnections: (count) => pool.warmConnections(count),
    close: () => pool.close(),
  };
}
