import { winPayout, type BetResult, type VoidReason } from '@wagerflow/contracts';

export interface SettlementEvidence {
  touchedBands: ReadonlySet<number>;
  voidReason: VoidReason | null;
}

export interface OpenBet {
  betId: string;
  playerId: string;
  bandIndex: number;
  stake: number;
  multiplierBps: number;
}

/**
 * SPEC 3: void (stake back) when the window had no tick or the market was CRITICAL in it; won
 * when a tick of the window was inside the bet's band — payout floor(stake × bps / 10 000), the
 * total return; lost otherwise (0).
 */
export function settleBet(bet: OpenBet, ev: SettlementEvidence): { result: Exclude<BetResult, 'open'>; payout: number } {
  if (ev.voidReason) return { result: 'void', payout: bet.stake };
  if (ev.touchedBands.has(bet.bandIndex)) return { result: 'won', payout: winPayout(bet.stake, bet.multiplierBps) };
  return { result: 'lost', payout: 0 };
}

export interface WalletCredit {
  walletId: number;
  playerId: string;
  credit: number;
  entries: number;
  balance: number;
  seq: number;
}

export interface SettledBet extends OpenBet {
  result: Exclude<BetResult, 'open'>;
  payout: number;
  /** The wallet entry of a non-zero payout: its seq and balances. */
  entry: { walletId: number; seq: number; balanceBefore: number; balanceAfter: number } | null;
}

/** A bet's settlement before any wallet is involved: its result and payout. */
export type SettledResult = OpenBet & { result: Exclude<BetResult, 'open'>; payout: number };

/** The chunk's results in bet-id order (the order its entries are chained in); needs no wallet. */
export function settleResults(bets: readonly OpenBet[], ev: SettlementEvidence): SettledResult[] {
  return [...bets].sort((a, b) => (a.betId < b.betId ? -1 : a.betId > b.betId ? 1 : 0)).map((bet) => ({ ...bet, ...settleBet(bet, ev) }));
}

/** Credit settled results to their locked wallets: entries chained per wallet in the results' order. */
export function creditResults(
  results: readonly SettledResult[],
  wallets: ReadonlyMap<string, { walletId: number; balance: number; seq: number }>,
): { settled: SettledBet[]; credits: WalletCredit[] } {
  const credits = new Map<string, WalletCredit>();
  const settled: SettledBet[] = [];
  for (const bet of results) {
    const wallet = wallets.get(bet.playerId);
    if (!wallet) throw new Error(`confirmed bet ${bet.betId} has no wallet`);
    let c = credits.get(bet.playerId);
    if (!c)
      credits.set(
        bet.playerId,
        (c = { walletId: wallet.walletId, playerId: bet.playerId, credit: 0, entries: 0, balance: wallet.balance, seq: wallet.seq }),
      );
    if (bet.payout === 0) {
      settled.push({ ...bet, entry: null });
      continue;
    }
    const balanceBefore = c.balance;
    c.balance += bet.payout;
    c.credit += bet.payout;
    c.entries += 1;
    c.seq += 1;
    settled.push({ ...bet, entry: { walletId: c.walletId, seq: c.seq, balanceBefore, balanceAfter: c.balance } });
  }
  return { settled, credits: [...credits.values()] };
}
