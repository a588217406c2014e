import { describe, expect, it } from 'vitest';
import type { ApiResponse } from './http-client.js';
import { fetchResync, ResyncError } from './resync.js';

const me = { playerId: 'p1', balance: 5, walletSeq: 2, loyalty: { points: 0, tier: 'bronze' } };
const view = (betId: string) => ({
  betId,
  clientBetId: `c-${betId}`,
  marketId: 'BTC-USD',
  cellId: 'BTC-USD:1:1',
  stake: 10,
  multiplier: 2,
  status: 'confirmed',
  reason: null,
  result: 'open',
  payout: null,
  placedAt: 1,
  confirmedAt: 2,
  settledAt: null,
  updatedAt: 2,
});
const answer = <T>(status: number, body: T) => Promise.resolve({ status, body, headers: new Headers() } as ApiResponse<T>);

/** A stand-in for PlayerClient's two calls: pages keyed by cursor. */
function http(pages: Record<string, { bets: unknown[]; nextCursor: string | null }>, meStatus = 200, meBody: unknown = me) {
  const targets: string[] = [];
  return {
    targets,
    request<T>(_method: string, target: string) {
      targets.push(target);
      const cursor = new URL(target, 'http://x').searchParams.get('cursor') ?? '';
      const page = pages[cursor];
      return (page ? answer(200, page) : answer(400, { error: { code: 'validation_failed' } })) as Promise<ApiResponse<T>>;
    },
    me: () =>
      (meStatus === 200 ? answer(200, meBody) : answer(meStatus, { error: { code: 'service_unavailable' } })) as ReturnType<
        typeof answer<typeof me>
      >,
  };
}

describe('fetchResync', () => {
  it('follows every page, then reads /v1/me', async () => {
    const h = http({ '': { bets: [view('a')], nextCursor: 'c 1' }, 'c 1': { bets: [view('b')], nextCursor: null } });
    const r = await fetchResync(h, 1234.7);
    expect(r.bets.map((b) => b.betId)).toEqual(['a', 'b']);
    expect(r.me).toEqual(me);
    expect(h.targets).toEqual(['/v1/bets?since=1234&limit=1000', '/v1/bets?since=1234&limit=1000&cursor=c%201']);
  });
  it('clamps a negative since to 0, and fails rather than return a partial list after maxPages', async () => {
    const h = http({ '': { bets: [], nextCursor: 'x' }, x: { bets: [], nextCursor: 'x' } });
    await expect(fetchResync(h, -5, 3)).rejects.toThrow(new ResyncError('too_many_pages'));
    expect(h.targets).toHaveLength(3);
    expect(h.targets[0]).toBe('/v1/bets?since=0&limit=1000');
  });
  it('fails on an answer that is not a bet page or a /v1/me view', async () => {
    await expect(fetchResync(http({ '': { bets: [{ betId: 'a' }], nextCursor: null } }), 0)).rejects.toThrow(
      new ResyncError('malformed_response'),
    );
    const noSeq = { playerId: 'p1', balance: 5, loyalty: { points: 0, tier: 'bronze' } };
    await expect(fetchResync(http({ '': { bets: [], nextCursor: null } }, 200, noSeq), 0)).rejects.toThrow(
      new ResyncError('malformed_response'),
    );
  });
  it('fails with the error code of a failed call', async () => {
    await expect(fetchResync(http({}), 0)).rejects.toThrow(new ResyncError('validation_failed'));
    await expect(fetchResync(http({ '': { bets: [], nextCursor: null } }, 503), 0)).rejects.toThrow('service_unavailable');
  });
});
