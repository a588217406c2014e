import { afterEach, beforeEach } from 'vitest';
import type { BetPhase } from '../bet-state-machine.js';
import { WagerflowClient, type ClientEvents, type WagerflowClientOptions } from '../wagerflow-client.js';
import { FakeGateway, type FakeAnswer, type FakeRequest } from './fake-gateway.js';

export const CELL = { marketId: 'BTC-USD', cellId: 'BTC-USD:1000:4', stake: 100 };
export const accepted = (r: FakeRequest) => ({
  status: 202,
  body: { betId: 'b1', clientBetId: (JSON.parse(r.body) as { clientBetId: string }).clientBetId, status: 'pending', multiplier: 2 },
});
export const betView = (clientBetId: string, status: string, extra: Record<string, unknown> = {}) => ({
  betId: 'b1',
  clientBetId,
  ...CELL,
  multiplier: 2,
  status,
  reason: null,
  result: status === 'confirmed' ? 'open' : null,
  payout: null,
  placedAt: 1,
  confirmedAt: null,
  settledAt: null,
  updatedAt: 1,
  ...extra,
});

export interface Script {
  post?: (r: FakeRequest, n: number) => FakeAnswer | Promise<FakeAnswer>;
  lookup?: (clientBetId: string, n: number) => FakeAnswer;
  since?: (n: number) => FakeAnswer;
  me?: FakeAnswer;
}

/**
 * A WagerflowClient against a FakeGateway, fresh for each test (registers its own hooks), recording
 * the client's events. Short timings so that every drop and retry resolves within milliseconds.
 */
export class ClientHarness {
  gw!: FakeGateway;
  sdk!: WagerflowClient;
  phases: BetPhase[] = [];
  seen: { [K in keyof ClientEvents]?: ClientEvents[K][] } = {};

  constructor() {
    beforeEach(async () => {
      this.gw = await FakeGateway.start();
      this.script({});
    });
    afterEach(async () => {
      await this.sdk?.close();
      await this.gw.close();
    });
  }

  script(s: Script): void {
    const counts = { post: 0, lookup: 0, since: 0 };
    this.gw.handle = (r) => {
      const url = new URL(r.target, 'http://x');
      if (r.method === 'POST' && url.pathname === '/v1/bets') return (s.post ?? accepted)(r, counts.post++);
      const id = url.searchParams.get('clientBetId');
      if (id) return s.lookup ? s.lookup(id, counts.lookup++) : { status: 404, body: { error: { code: 'not_found' } } };
      if (url.searchParams.has('since')) return s.since ? s.since(counts.since++) : { status: 200, body: { bets: [], nextCursor: null } };
      if (url.pathname === '/v1/me')
        return s.me ?? { status: 200, body: { playerId: 'p1', balance: 1_000, walletSeq: 1, loyalty: { points: 0, tier: 'bronze' } } };
      return { status: 404, body: { error: { code: 'not_found' } } };
    };
  }

  client(extra: Partial<WagerflowClientOptions> = {}): WagerflowClient {
    this.sdk = new WagerflowClient({
      baseUrl: this.gw.baseUrl,
      apiKey: 'k',
      apiSecret: 's',
      pendingTimeoutMs: 2_000,
      retryBaseMs: 20,
      retryMaxMs: 80,
      requestTimeoutMs: 1_000,
      stream: { reconnectBaseMs: 20, reconnectMaxMs: 40 },
      ...extra,
    });
    const record: ClientHarness['seen'] = {};
    const names: (keyof ClientEvents)[] = ['bet', 'settled', 'balance', 'feed', 'connection', 'resync', 'error'];
    for (const name of names) this.sdk.on(name, (p) => ((record[name] ??= []) as unknown[]).push(p));
    const local: BetPhase[] = [];
    this.sdk.on('bet', ({ state }) => local.push(state.phase));
    this.seen = record;
    this.phases = local;
    return this.sdk;
  }

  posts = () => this.gw.requests.filter((r) => r.method === 'POST');
  lookups = () => this.gw.requests.filter((r) => r.target.includes('clientBetId='));
}
