import { describe, it, expect } from 'vitest';
import { seededRandom } from '@wagerflow/testing';
import type { BetIntent } from '@wagerflow/contracts';
import { compareBets, decideFirstFit, type Decision, type WalletState } from './first-fit.js';

const NOW = 1_700_000_000_000;
const LOCKOUT_AT = NOW + 8_000;

/** A bet of `stake` by `playerId`, accepted at NOW − 1000 + `acceptedAtOffset`. */
function bet(betId: string, stake: number, over: Partial<BetIntent> = {}): BetIntent {
  return {
    betId,
    playerId: 'p1',
    clientBetId: `c-${betId}`,
    marketId: 'BTC-USD',
    cellId: `BTC-USD:${NOW + 10_000}:4000`,
    windowStart: NOW + 10_000,
    bandIndex: 4000,
    priceLow: 100_000,
    priceHigh: 100_025,
    stake,
    multiplierBps: 19_000,
    minMultiplierBps: null,
    lockoutAt: LOCKOUT_AT,
    acceptedAt: NOW - 1_000,
    correlationId: `trace-${betId}`,
    ...over,
  };
}
const wallets = (...ws: [playerId: string, w: WalletState][]) => new Map(ws);
const wallet = (walletId: number, balance: number, seq = 0): WalletState => ({ walletId, balance, seq });

/** Compact view: betId → 'confirmed' or the reject reason. */
const verdicts = (ds: Decision[]) => Object.fromEntries(ds.map((d) => [d.bet.betId, d.status === 'confirmed' ? 'confirmed' : d.reason]));
const order = (ds: Decision[]) => ds.map((d) => d.bet.betId);
const confirmed = (ds: Decision[]) => ds.filter((d): d is Extract<Decision, { status: 'confirmed' }> => d.status === 'confirmed');

describe('compareBets', () => {
  it('orders by acceptedAt, then betId', () => {
    expect(compareBets(bet('b', 1, { acceptedAt: 1 }), bet('a', 1, { acceptedAt: 2 }))).toBeLessThan(0);
    expect(compareBets(bet('a', 1, { acceptedAt: 2 }), bet('b', 1, { acceptedAt: 1 }))).toBeGreaterThan(0);
    expect(compareBets(bet('a', 1), bet('b', 1))).toBeLessThan(0);
    expect(compareBets(bet('b', 1), bet('a', 1))).toBeGreaterThan(0);
    expect(compareBets(bet('a', 1), bet('a', 2))).toBe(0);
  });
});

describe('decideFirstFit', () => {
  it('SPEC example: balance 100, bets 60, 50, 30 → 60 and 30 confirmed, 50 insufficient_funds', () => {
    const bets = [
      bet('b1', 60, { acceptedAt: NOW - 300 }),
      bet('b2', 50, { acceptedAt: NOW - 200 }),
      bet('b3', 30, { acceptedAt: NOW - 100 }),
    ];
    const { decisions, changes } = decideFirstFit(bets, wallets(['p1', wallet(7, 100, 41)]), NOW);
    expect(decisions).toEqual([
      { bet: bets[0], status: 'confirmed', walletId: 7, seq: 42, balanceBefore: 100, balanceAfter: 40 },
      { bet: bets[1], status: 'rejected', reason: 'insufficient_funds' },
      { bet: bets[2], status: 'confirmed', walletId: 7, seq: 43, balanceBefore: 40, balanceAfter: 10 },
    ]);
    expect(changes).toEqual([{ walletId: 7, playerId: 'p1', debit: 90, entries: 2, balance: 10, seq: 43 }]);
  });

  it('chains balance_before/after and numbers entries contiguously from the wallet seq', () => {
    const bets = [10, 20, 30, 40].map((s, i) => bet(`b${i}`, s, { acceptedAt: NOW - 100 + i }));
    const { decisions, changes } = decideFirstFit(bets, wallets(['p1', wallet(3, 1_000, 99)]), NOW);
    const c = confirmed(decisions);
    expect(c.map((d) => d.seq)).toEqual([100, 101, 102, 103]);
    expect(c.map((d) => [d.balanceBefore, d.balanceAfter])).toEqual([
      [1_000, 990],
      [990, 970],
      [970, 940],
      [940, 900],
    ]);
    expect(changes).toEqual([{ walletId: 3, playerId: 'p1', debit: 100, entries: 4, balance: 900, seq: 103 }]);
  });

  it('orders by acceptedAt then betId whatever the input order', () => {
    const bets = [
      bet('d', 30, { acceptedAt: NOW - 100 }),
      bet('c', 50, { acceptedAt: NOW - 200 }),
      bet('b', 60, { acceptedAt: NOW - 200 }),
      bet('a', 60, { acceptedAt: NOW - 100 }),
    ];
    // b (60) then c (50: 40 left → rejected), then a (60 → rejected), d (30 → confirmed)
    const result = decideFirstFit(bets, wallets(['p1', wallet(1, 100)]), NOW);
    const { decisions, changes } = result;
    expect(order(decisions)).toEqual(['b', 'c', 'a', 'd']);
    expect(verdicts(decisions)).toEqual({ b: 'confirmed', c: 'insufficient_funds', a: 'insufficient_funds', d: 'confirmed' });
    expect(changes[0]!.balance).toBe(10);
    for (const perm of [[...bets].reverse(), [bets[2]!, bets[0]!, bets[3]!, bets[1]!]]) {
      expect(decideFirstFit(perm, wallets(['p1', wallet(1, 100)]), NOW)).toEqual(result);
    }
  });

  it('does not mutate the input array or the wallets', () => {
    const bets = [bet('z', 10, { acceptedAt: 2 }), bet('y', 10, { acceptedAt: 1 })];
    const ws = wallets(['p1', wallet(1, 100, 5)]);
    decideFirstFit(bets, ws, NOW);
    expect(bets.map((b) => b.betId)).toEqual(['z', 'y']);
    expect(ws.get('p1')).toEqual(wallet(1, 100, 5));
  });

  it('rejects the bets of a player without a wallet as insufficient_funds', () => {
    const { decisions, changes } = decideFirstFit([bet('a', 10, { playerId: 'ghost' })], wallets(['p1', wallet(1, 100)]), NOW);
    expect(decisions).toEqual([{ bet: expect.objectContaining({ betId: 'a' }), status: 'rejected', reason: 'insufficient_funds' }]);
    expect(changes).toEqual([]);
  });

  it('confirms a bet equal to the balance, to 0', () => {
    const { decisions, changes } = decideFirstFit([bet('a', 100), bet('b', 1)], wallets(['p1', wallet(1, 100)]), NOW);
    expect(verdicts(decisions)).toEqual({ a: 'confirmed', b: 'insufficient_funds' });
    expect(changes).toEqual([{ walletId: 1, playerId: 'p1', debit: 100, entries: 1, balance: 0, seq: 1 }]);
  });

  it('rejects bets past their lockout as cell_closed, from exactly lockoutAt', () => {
    const bets = [bet('early', 10, { lockoutAt: NOW + 1 }), bet('exact', 10, { lockoutAt: NOW }), bet('late', 10, { lockoutAt: NOW - 1 })];
    const { decisions, changes } = decideFirstFit(bets, wallets(['p1', wallet(1, 100)]), NOW);
    expect(verdicts(decisions)).toEqual({ early: 'confirmed', exact: 'cell_closed', late: 'cell_closed' });
    expect(changes).toEqual([{ walletId: 1, playerId: 'p1', debit: 10, entries: 1, balance: 90, seq: 1 }]);
  });

  it('a cell_closed bet leaves its funds to later bets', () => {
    const bets = [bet('a', 100, { acceptedAt: 1, lockoutAt: NOW }), bet('b', 100, { acceptedAt: 2 })];
    expect(verdicts(decideFirstFit(bets, wallets(['p1', wallet(1, 100)]), NOW).decisions)).toEqual({ a: 'cell_closed', b: 'confirmed' });
  });

  it('rejects bets on a suspended market as market_suspended', () => {
    const bets = [bet('btc', 10), bet('eth', 10, { marketId: 'ETH-USD', acceptedAt: NOW })];
    const { decisions, changes } = decideFirstFit(bets, wallets(['p1', wallet(1, 100)]), NOW, (m) => m === 'BTC-USD');
    expect(verdicts(decisions)).toEqual({ btc: 'market_suspended', eth: 'confirmed' });
    expect(changes).toEqual([{ walletId: 1, playerId: 'p1', debit: 10, entries: 1, balance: 90, seq: 1 }]);
  });

  it('cell_closed takes precedence over market_suspended, which takes precedence over funds', () => {
    const bets = [bet('closed', 10, { lockoutAt: NOW }), bet('broke', 1_000)];
    const { decisions } = decideFirstFit(bets, wallets(['p1', wallet(1, 100)]), NOW, () => true);
    expect(verdicts(decisions)).toEqual({ closed: 'cell_closed', broke: 'market_suspended' });
  });

  it('decides several wallets independently in one batch', () => {
    const bets = [
      bet('a1', 60, { playerId: 'alice', acceptedAt: 1 }),
      bet('b1', 60, { playerId: 'bob', acceptedAt: 2 }),
      bet('a2', 50, { playerId: 'alice', acceptedAt: 3 }),
      bet('b2', 40, { playerId: 'bob', acceptedAt: 4 }),
      bet('c1', 5, { playerId: 'carol', acceptedAt: 5 }),
      bet('a3', 40, { playerId: 'alice', acceptedAt: 6 }),
    ];
    const { decisions, changes } = decideFirstFit(
      bets,
      wallets(['alice', wallet(1, 100, 10)], ['bob', wallet(2, 100, 20)], ['carol', wallet(3, 4, 30)]),
      NOW,
    );
    expect(verdicts(decisions)).toEqual({
      a1: 'confirmed',
      b1: 'confirmed',
      a2: 'insufficient_funds',
      b2: 'confirmed',
      c1: 'insufficient_funds',
      a3: 'confirmed',
    });
    expect(confirmed(decisions).map((d) => [d.bet.betId, d.walletId, d.seq, d.balanceBefore, d.balanceAfter])).toEqual([
      ['a1', 1, 11, 100, 40],
      ['b1', 2, 21, 100, 40],
      ['b2', 2, 22, 40, 0],
      ['a3', 1, 12, 40, 0],
    ]);
    // carol had a wallet but no confirmed bet: no change to apply
    expect(changes).toEqual([
      { walletId: 1, playerId: 'alice', debit: 100, entries: 2, balance: 0, seq: 12 },
      { walletId: 2, playerId: 'bob', debit: 100, entries: 2, balance: 0, seq: 22 },
    ]);
  });

  it('1 000 bets of 10 against a balance of 100 → exactly 10 confirmed, the first 10 in order', () => {
    const bets = Array.from({ length: 1_000 }, (_, i) => bet(`b${String(i).padStart(4, '0')}`, 10, { acceptedAt: NOW - 5_000 + (i % 7) }));
    const { decisions, changes } = decideFirstFit(bets.reverse(), wallets(['p1', wallet(9, 100, 500)]), NOW);
    const ok = confirmed(decisions);
    expect(ok).toHaveLength(10);
    expect(decisions.filter((d) => d.status === 'rejected' && d.reason === 'insufficient_funds')).toHaveLength(990);
    expect(ok.map((d) => d.bet.betId)).toEqual(['b0000', 'b0007', 'b0014', 'b0021', 'b0028', 'b0035', 'b0042', 'b0049', 'b0056', 'b0063']);
    expect(ok.map((d) => d.seq)).toEqual([501, 502, 503, 504, 505, 506, 507, 508, 509, 510]);
    expect(changes).toEqual([{ walletId: 9, playerId: 'p1', debit: 100, entries: 10, balance: 0, seq: 510 }]);
  });

  it('returns no decisions and no changes for an empty batch', () => {
    expect(decideFirstFit([], wallets(['p1', wallet(1, 100)]), NOW)).toEqual({ decisions: [], changes: [], addedLiability: new Map() });
  });

  it('WalletChange sums match the confirmed decisions', () => {
    const rand = seededRandom(7);
    const bets = Array.from({ length: 200 }, (_, i) =>
      bet(`b${i}`, 1 + Math.floor(rand() * 50), { playerId: `p${i % 5}`, acceptedAt: Math.floor(rand() * 100) }),
    );
    const ws = wallets(...Array.from({ length: 5 }, (_, i): [string, WalletState] => [`p${i}`, wallet(i + 1, 300 * (i + 1), i * 10)]));
    const { decisions, changes } = decideFirstFit(bets, ws, NOW);
    expect(changes.length).toBe(5);
    for (const c of changes) {
      const mine = confirmed(decisions).filter((d) => d.bet.playerId === c.playerId);
      const w = ws.get(c.playerId)!;
      expect(c.walletId).toBe(w.walletId);
      expect(c.debit).toBe(mine.reduce((s, d) => s + d.bet.stake, 0));
      expect(c.entries).toBe(mine.length);
      expect(c.balance).toBe(w.balance - c.debit);
      expect(c.seq).toBe(w.seq + c.entries);
      expect(mine.at(-1)!.balanceAfter).toBe(c.balance);
      expect(mine.at(-1)!.seq).toBe(c.seq);
    }
  });

  it('property: random batches keep every first-fit invariant', () => {
    const rand = seededRandom(20_240_601);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    const seen: Record<string, number> = {};
    for (let round = 0; round < 200; round++) {
      const players = int(1, 6);
      const ws = new Map<string, WalletState>();
      for (let i = 0; i < players; i++) if (rand() < 0.9) ws.set(`p${i}`, wallet(100 + i, int(0, 2_000), int(0, 1_000)));
      const bets = Array.from({ length: int(0, 60) }, (_, i) =>
        bet(`b${round}-${int(0, 999)}-${i}`, int(1, 500), {
          playerId: `p${int(0, players - 1)}`,
          acceptedAt: NOW - int(0, 50),
          lockoutAt: NOW + int(-3, 30),
          marketId: rand() < 0.1 ? 'ETH-USD' : 'BTC-USD',
        }),
      );
      const { decisions, changes } = decideFirstFit(bets, ws, NOW, (m) => m === 'ETH-USD' && round % 2 === 0);

      expect(decisions).toHaveLength(bets.length);
      for (const d of decisions) {
        const k = d.status === 'confirmed' ? 'confirmed' : d.reason;
        seen[k] = (seen[k] ?? 0) + 1;
      }
      expect(new Set(decisions.map((d) => d.bet))).toEqual(new Set(bets));
      for (let i = 1; i < decisions.length; i++) expect(compareBets(decisions[i - 1]!.bet, decisions[i]!.bet)).toBeLessThanOrEqual(0);

      for (const [playerId, w] of ws) {
        const mine = decisions.filter((d) => d.bet.playerId === playerId);
        let running = w.balance;
        let seq = w.seq;
        for (const d of mine) {
          if (d.bet.lockoutAt <= NOW) {
            expect(d).toMatchObject({ status: 'rejected', reason: 'cell_closed' });
          } else if (d.bet.marketId === 'ETH-USD' && round % 2 === 0) {
            expect(d).toMatchObject({ status: 'rejected', reason: 'market_suspended' });
          } else if (d.bet.stake <= running) {
            // it fit the balance left by the earlier bets, so it must be confirmed
            seq += 1;
            expect(d).toEqual({
              bet: d.bet,
              status: 'confirmed',
              walletId: w.walletId,
              seq,
              balanceBefore: running,
              balanceAfter: running - d.bet.stake,
            });
            running -= d.bet.stake;
          } else {
            expect(d).toMatchObject({ status: 'rejected', reason: 'insufficient_funds' });
          }
          expect(running).toBeGreaterThanOrEqual(0);
        }
        const debit = confirmed(mine).reduce((s, d) => s + d.bet.stake, 0);
        const change = changes.find((c) => c.playerId === playerId);
        if (confirmed(mine).length === 0) {
          expect(change).toBeUndefined();
        } else {
          expect(change).toEqual({
            walletId: w.walletId,
            playerId,
            debit,
            entries: confirmed(mine).length,
            balance: w.balance - debit,
            seq,
          });
          expect(change!.balance).toBeGreaterThanOrEqual(0);
          expect(change!.balance).toBe(running);
        }
      }
      // players without a wallet never get a confirmed bet nor a change
      for (const d of decisions.filter((x) => !ws.has(x.bet.playerId))) {
        const closed = d.bet.lockoutAt <= NOW;
        const suspended = d.bet.marketId === 'ETH-USD' && round % 2 === 0;
        const reason = closed ? 'cell_closed' : suspended ? 'market_suspended' : 'insufficient_funds';
        expect(d).toMatchObject({ status: 'rejected', reason });
      }
      expect(changes.every((c) => ws.has(c.playerId))).toBe(true);
    }
    // the generator reaches every branch
    expect(Object.keys(seen).sort()).toEqual(['cell_closed', 'confirmed', 'insufficient_funds', 'market_suspended']);
    expect(Math.min(...Object.values(seen))).toBeGreaterThan(50);
  });
});

describe('decideFirstFit: cell liability cap', () => {
  it('rejects limit_exceeded once the cell would lose more than the cap, in accept order, and counts existing liability', () => {
    // stake 100 at 2.15: potential payout 215, liability 115 each.
    const bets = ['a', 'b', 'c'].map((id, i) => bet(id, 100, { playerId: `p${i}`, multiplierBps: 21_500, acceptedAt: NOW - 100 + i }));
    const ws = wallets(['p0', wallet(1, 1_000)], ['p1', wallet(2, 1_000)], ['p2', wallet(3, 1_000)]);
    const cellId = bets[0]!.cellId;
    const { decisions, addedLiability } = decideFirstFit(bets, ws, NOW, () => false, { cap: 300, current: new Map([[cellId, 100]]) });
    expect(verdicts(decisions)).toEqual({ a: 'confirmed', b: 'limit_exceeded', c: 'limit_exceeded' });
    expect(addedLiability).toEqual(new Map([[cellId, 115]]));
    const fits = decideFirstFit(bets, ws, NOW, () => false, { cap: 345, current: new Map() });
    expect(verdicts(fits.decisions)).toEqual({ a: 'confirmed', b: 'confirmed', c: 'confirmed' });
    expect(fits.addedLiability).toEqual(new Map([[cellId, 345]]));
  });

  it('a bet rejected for funds adds no liability', () => {
    const bets = [
      bet('a', 100, { multiplierBps: 21_500, acceptedAt: NOW - 10 }),
      bet('b', 100, { playerId: 'rich', multiplierBps: 21_500, acceptedAt: NOW - 5 }),
    ];
    const ws = wallets(['p1', wallet(1, 50)], ['rich', wallet(2, 1_000)]);
    const { decisions, addedLiability } = decideFirstFit(bets, ws, NOW, () => false, { cap: 115, current: new Map() });
    expect(verdicts(decisions)).toEqual({ a: 'insufficient_funds', b: 'confirmed' });
    expect([...addedLiability.values()]).toEqual([115]);
  });
});
