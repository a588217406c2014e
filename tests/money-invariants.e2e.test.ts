import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BetView } from '@wagerflow/contracts';
import { betBody, createPlayer, eventually, farCell, openStream } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

/** A read retried while the gateway sheds load (503 overloaded, Retry-After), as a client would. */
async function answered<T extends { status: number }>(call: () => Promise<T>): Promise<T> {
  return eventually(
    async () => {
      const r = await call();
      return r.status === 503 ? undefined : r;
    },
    20_000,
    'an answer that is not shed',
  );
}

/** SPEC 2's invariants under concurrency, observed only through the public API. */
describe('money path invariants', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('1,000 concurrent bets from a player funded for exactly 10 confirm exactly 10, never overdrawing', async () => {
    const player = await createPlayer(platform.admin, platform.baseUrl, 100);
    const stream = await openStream(platform.baseUrl, player);
    const cell = await farCell(platform.baseUrl);
    const bodies = Array.from({ length: 1000 }, () => betBody(cell, 10));
    const responses = await Promise.all(bodies.map((b) => player.client.placeBet(b)));
    const accepted = responses.filter((r) => r.status === 202);
    const early = responses.filter((r) => r.status === 422);
    // A burst of 1,000 may meet the gateway's limits (shed: 503 overloaded) or a slow queue hop (503
    // service_unavailable): such a request placed nothing, which the bet lookup confirms below.
    const refused = responses.filter((r) => r.status === 503);
    expect(accepted.length + early.length + refused.length).toBe(1000);
    expect(accepted.length).toBeGreaterThanOrEqual(10);
    for (const r of early) expect((r.body as unknown as { error: { code: string } }).error.code).toBe('insufficient_funds');
    const refusedCodes = new Set(refused.map((r) => (r.body as unknown as { error: { code: string } }).error.code));
    for (const code of refusedCodes) expect(['overloaded', 'service_unavailable']).toContain(code);

    const outcomes = await eventually(
      async () => {
        const events = stream.messages.filter((m) => m.type === 'bet:confirmed' || m.type === 'bet:rejected');
        return events.length >= accepted.length ? events : undefined;
      },
      30_000,
      'an outcome for every 202',
    );
    const confirmed = outcomes.filter((m) => m.type === 'bet:confirmed');
    expect(confirmed).toHaveLength(10);
    expect(new Set(outcomes.map((m) => m.betId)).size).toBe(accepted.length);
    for (const m of outcomes.filter((o) => o.type === 'bet:rejected')) expect(m.reason).toBe('insufficient_funds');
    // Balances on the stream never go negative and walletSeq increases with each confirmation.
    const seqs = confirmed.map((m) => m.walletSeq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
    for (const m of confirmed) expect(m.balance as number).toBeGreaterThanOrEqual(0);
    expect(stream.seqGap).toBe(false);

    const me = await answered(() => player.client.me());
    expect(me.body).toMatchObject({ balance: 0, walletSeq: 11 });
    const refusedIds = bodies.filter((_, i) => responses[i]!.status === 503).map((b) => b.clientBetId);
    for (const id of refusedIds.slice(0, 20)) expect((await player.client.betByClientId(id)).status).toBe(404);
    stream.close();
  });

  it('first-fit: 100 with bets of 60, 50, 30 confirms 60 and 30', async () => {
    const player = await createPlayer(platform.admin, platform.baseUrl, 100);
    const cell = await farCell(platform.baseUrl);
    const ids: string[] = [];
    for (const stake of [60, 50, 30]) {
      const r = await player.client.placeBet(betBody(cell, stake));
      // The cache may already show 40 when the 50 arrives: then the gateway rejects it early.
      expect([202, 422]).toContain(r.status);
      ids.push(r.status === 202 ? r.body.clientBetId : '');
    }
    const views = await eventually(async () => {
      const vs = await Promise.all(ids.filter(Boolean).map((id) => player.client.betByClientId(id)));
      return vs.every((v) => v.body.status !== 'pending') ? vs.map((v) => v.body) : undefined;
    });
    const byStake = new Map<number, BetView>(views.map((v) => [v.stake, v]));
    expect(byStake.get(60)?.status).toBe('confirmed');
    expect(byStake.get(30)?.status).toBe('confirmed');
    if (byStake.has(50)) expect(byStake.get(50)).toMatchObject({ status: 'rejected', reason: 'insufficient_funds' });
    expect((await player.client.me()).body.balance).toBe(10);
  });

  it('50 players betting concurrently: every 202 ends in one outcome, balances add up, drift 0', async () => {
    const players = await Promise.all(Array.from({ length: 50 }, (_, i) => createPlayer(platform.admin, platform.baseUrl, 200 + i * 37)));
    const streams = await Promise.all(players.map((p) => openStream(platform.baseUrl, p)));
    const cell = await farCell(platform.baseUrl);
    const placed = await Promise.all(
      players.flatMap((p, i) =>
        Array.from({ length: 12 }, async (_, k) => {
          const stake = 10 + ((i * 7 + k * 13) % 50);
          const r = await p.client.placeBet(betBody(cell, stake, randomUUID()));
          return { p, i, stake, status: r.status, body: r.body };
        }),
      ),
    );
    // 600 requests at once may exceed the gateway's in-flight limit: shed ones (503 overloaded) placed nothing.
    for (const x of placed) expect([202, 422, 503]).toContain(x.status);
    for (const x of placed.filter((y) => y.status === 503))
      expect((x.body as unknown as { error: { code: string } }).error.code).toBe('overloaded');
    const accepted = placed.filter((x) => x.status === 202);

    for (const [i, p] of players.entries()) {
      const mine = accepted.filter((x) => x.p === p);
      const stream = streams[i]!;
      const events = await eventually(
        async () => {
          const ev = stream.messages.filter((m) => m.type === 'bet:confirmed' || m.type === 'bet:rejected');
          return ev.length >= mine.length ? ev : undefined;
        },
        30_000,
        `outcomes of player ${i}`,
      );
      expect(new Set(events.map((e) => e.betId))).toEqual(new Set(mine.map((x) => x.body.betId)));
      const confirmedStakes = mine
        .filter((x) => events.find((e) => e.betId === x.body.betId)?.type === 'bet:confirmed')
        .reduce((s, x) => s + x.stake, 0);
      const deposit = 200 + i * 37;
      const me = await answered(() => p.client.me());
      expect(me.body.balance).toBe(deposit - confirmedStakes);
      expect(me.body.balance).toBeGreaterThanOrEqual(0);
      // Every bet's stored state agrees with its event.
      for (const x of mine) {
        const view = await p.client.betByClientId(x.body.clientBetId);
        const ev = events.find((e) => e.betId === x.body.betId)!;
        expect(view.body.status).toBe(ev.type === 'bet:confirmed' ? 'confirmed' : 'rejected');
      }
      stream.close();
    }
    const recon = await platform.admin.request<{ wallets: { checked: number; drift: number } }>('GET', '/v1/admin/reconciliation');
    expect(recon.body.wallets.drift).toBe(0);
    expect(recon.body.wallets.checked).toBeGreaterThanOrEqual(50);
  });
});
