import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WagerflowClient, type BetPhase, type ClientEvents, type WagerflowClientOptions } from '@wagerflow/client';
import type { BetView } from '@wagerflow/contracts';
import { createPlayer, eventually, farCell, type TestPlayer } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

/**
 * The client SDK against the running platform: a socket dropped mid-bet and a POST whose answer is
 * lost both end in exactly one CONFIRMED bet, debited once. The ledger is paused (SIGSTOP) so that
 * the outcome cannot arrive before the fault is injected.
 */
describe('client SDK: drops mid-bet', () => {
  let platform: TestPlatform;
  const clients: WagerflowClient[] = [];
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await platform?.stop();
  });

  /** An SDK for a new player with 10 000 deposited, recording its bet phases and connection events. */
  async function sdkFor(extra: Partial<WagerflowClientOptions> = {}) {
    const player = await createPlayer(platform.admin, platform.baseUrl, 10_000);
    const sdk = new WagerflowClient({
      baseUrl: platform.baseUrl,
      ...player.creds,
      pendingTimeoutMs: 3_000,
      retryBaseMs: 100,
      retryMaxMs: 500,
      stream: { reconnectBaseMs: 100, reconnectMaxMs: 500 },
      ...extra,
    });
    clients.push(sdk);
    const phases: BetPhase[] = [];
    const connections: ClientEvents['connection'][] = [];
    const resyncs: ClientEvents['resync'][] = [];
    sdk.on('bet', ({ state }) => phases.push(state.phase));
    sdk.on('connection', (c) => connections.push(c));
    sdk.on('resync', (r) => resyncs.push(r));
    await sdk.connect();
    return { player, sdk, phases, connections, resyncs };
  }

  function pauseLedger(): () => void {
    const ledger = platform.platform.services.get('bet-ledger')!;
    ledger.kill('SIGSTOP');
    return () => void ledger.kill('SIGCONT');
  }

  /** The API's own word: exactly one bet with this clientBetId, and the balance debited once. */
  async function expectPlacedOnce(player: TestPlayer, clientBetId: string, stake: number) {
    const list = await player.client.request<{ bets: BetView[] }>('GET', '/v1/bets?since=0&limit=1000');
    expect(list.body.bets.map((b) => [b.clientBetId, b.status])).toEqual([[clientBetId, 'confirmed']]);
    expect((await player.client.me()).body.balance).toBe(10_000 - stake);
  }

  it('socket terminated after the 202, before bet:confirmed → UNKNOWN → reconnect, resync → CONFIRMED once', async () => {
    // A pending timeout far beyond the test: only the socket loss can make this bet UNKNOWN.
    const { player, sdk, phases, connections, resyncs } = await sdkFor({ pendingTimeoutMs: 120_000 });
    const cell = await farCell(platform.baseUrl);
    const clientBetId = randomUUID();
    const resume = pauseLedger();
    let outcome;
    try {
      outcome = sdk.placeBet({ clientBetId, marketId: 'BTC-USD', cellId: cell.cellId, stake: 100 });
      await eventually(async () => (sdk.bet(clientBetId)?.betId ? true : undefined), 10_000, 'the 202');
      expect(sdk.bet(clientBetId)!.phase).toBe('PENDING');
      sdk.stream.socket!.terminate(); // the network drops; the ledger cannot have confirmed yet
      await eventually(async () => (phases.includes('UNKNOWN') ? true : undefined), 5_000, 'UNKNOWN');
      await eventually(async () => (connections.some((c) => c.reconnect) ? true : undefined), 10_000, 'the reconnect');
    } finally {
      resume();
    }
    await expect(outcome).resolves.toMatchObject({ phase: 'CONFIRMED', result: 'open', submits: 1, lastFailure: 'socket_lost' });
    expect(phases.filter((p) => p === 'CONFIRMED')).toHaveLength(1);
    expect(phases.slice(0, 2)).toEqual(['PENDING', 'UNKNOWN']);
    expect(connections.slice(0, 3)).toEqual([
      { state: 'up', reconnect: false },
      { state: 'down', reconnect: false },
      { state: 'up', reconnect: true },
    ]);
    // The reconnect resynced (bets since the drop, then /v1/me); the gateway lists only bets the ledger
    // has stored, so with the ledger paused this bet is decided by the lookups or the new socket instead.
    await eventually(async () => (resyncs.length > 0 ? true : undefined), 10_000, 'the resync');
    expect(resyncs[0]).toMatchObject({ reason: 'reconnect', me: { playerId: player.playerId } });
    await expectPlacedOnce(player, clientBetId, 100);
    await eventually(async () => (sdk.balance?.balance === 9_900 ? true : undefined), 10_000, 'the SDK balance');
  });

  it("a POST whose answer misses the SDK's deadline → UNKNOWN → found by clientBetId, not placed twice", async () => {
    let posts = 0;
    let lookups = 0;
    // The first POST reaches the gateway (202) but its answer is held until the SDK's own deadline aborts it.
    const slowFirstAnswer: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST' && ++posts === 1) {
        const signal = init.signal!;
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
      }
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.includes('clientBetId=')) lookups++;
      return res;
    };
    const { player, sdk, phases } = await sdkFor({ fetch: slowFirstAnswer, requestTimeoutMs: 500 });
    const cell = await farCell(platform.baseUrl);
    const clientBetId = randomUUID();
    const resume = pauseLedger();
    let outcome;
    try {
      outcome = sdk.placeBet({ clientBetId, marketId: 'BTC-USD', cellId: cell.cellId, stake: 250 });
      // Two lookups while the ledger is paused: the bet is found pending, so it is not resubmitted.
      await eventually(async () => (lookups >= 2 ? true : undefined), 10_000, 'the lookups');
      expect(sdk.bet(clientBetId)).toMatchObject({ phase: 'UNKNOWN', lastFailure: 'timeout', submits: 1 });
      expect(sdk.bet(clientBetId)!.betId).not.toBeNull(); // learnt from the lookup: the 202 never arrived
    } finally {
      resume();
    }
    await expect(outcome).resolves.toMatchObject({ phase: 'CONFIRMED', submits: 1 });
    expect(phases).toEqual(['PENDING', 'UNKNOWN', 'CONFIRMED']);
    expect(posts).toBe(1);
    await expectPlacedOnce(player, clientBetId, 250);
  });

  it('a POST lost on the way → UNKNOWN → 404 → resubmitted with the same clientBetId → CONFIRMED once', async () => {
    let attempts = 0;
    const dropFirstPost: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && ++attempts === 1) throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    const { player, sdk, phases } = await sdkFor({ fetch: dropFirstPost });
    const cell = await farCell(platform.baseUrl);
    const clientBetId = randomUUID();
    const decided = await sdk.placeBet({ clientBetId, marketId: 'BTC-USD', cellId: cell.cellId, stake: 300 });
    expect(decided).toMatchObject({ phase: 'CONFIRMED', submits: 2, lastFailure: 'network_error' });
    expect(phases).toEqual(['PENDING', 'UNKNOWN', 'PENDING', 'CONFIRMED']);
    await expectPlacedOnce(player, clientBetId, 300);
  });
});
