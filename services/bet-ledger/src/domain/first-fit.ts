import { betLiability, type BetIntent, type RejectReason } from '@wagerflow/contracts';

export interface WalletState {
  walletId: number;
  balance: number;
  seq: number;
}

export type Decision =
  | { bet: BetIntent; status: 'confirmed'; walletId: number; seq: number; balanceBefore: number; balanceAfter: number }
  | { bet: BetIntent; status: 'rejected'; reason: RejectReason };

export interface WalletChange {
  walletId: number;
  playerId: string;
  debit: number;
  entries: number;
  balance: number;
  seq: number;
}

/** Gateway accept order, ties broken by bet id: the order in which a wallet's bets are tried. */
export function compareBets(a: BetIntent, b: BetIntent): number {
  return a.acceptedAt - b.acceptedAt || (a.betId < b.betId ? -1 : a.betId > b.betId ? 1 : 0);
}

/**
 * SPEC 2, first-fit: each wallet's bets in order, each checked against the balance the earlier
 * ones left, so a smaller later bet can succeed after a larger one failed (100 with 60, 50, 30 →
 * 60 and 30). Bets past their lockout are `cell_closed`, on a CRITICAL market `market_suspended`,
 * over their cell's liability cap `limit_exceeded`; bets without a wallet have no funds.
 * Pure: the caller holds the cell and wallet locks and applies one summed update per wallet, and adds
 * `addedLiability` (what the confirmed bets add to each cell) to the cells' exposure.
 */
export function decideFirstFit(
  bets: readonly BetIntent[],
  wallets: ReadonlyMap<string, WalletState>,
  now: number,
  isSuspended: (marketId: string) => boolean = () => false,
  liability: { cap: number; current: ReadonlyMap<string, number> } = { cap: Number.MAX_SAFE_INTEGER, current: new Map() },
): { decisions: Decision[]; changes: WalletChange[]; addedLiability: Map<string, number> } {
  const running = new Map<string, WalletChange>();
  const cellLiability = new Map(liability.current);
  const addedLiability = new Map<string, number>();
  const decisions: Decision[] = [];
  for (const bet of [...bets].sort(compareBets)) {
    if (now >= bet.lockoutAt) {
      decisions.push({ bet, status: 'rejected', reason: 'cell_closed' });
      continue;
    }
    if (isSuspended(bet.marketId)) {
      decisions.push({ bet, status: 'rejected', reason: 'market_suspended' });
      continue;
    }
    // SPEC 3: a cell's liability (potential payout − stake of its confirmed bets) never exceeds the cap.
    const added = betLiability(bet.stake, bet.multiplierBps);
    const cellNow = cellLiability.get(bet.cellId) ?? 0;
    if (cellNow + added > liability.cap) {
      decisions.push({ bet, status: 'rejected', reason: 'limit_exceeded' });
      continue;
    }
    const wallet = wallets.get(bet.playerId);
    if (!wallet) {
      decisions.push({ bet, status: 'rejected', reason: 'insufficient_funds' });
      continue;
    }
    let change = running.get(bet.playerId);
    if (!change) {
      change = { walletId: wallet.walletId, playerId: bet.playerId, debit: 0, entries: 0, balance: wallet.balance, seq: wallet.seq };
      running.set(bet.playerId, change);
    }
    if (change.balance < bet.stake) {
      decisions.push({ bet, status: 'rejected', reason: 'insufficient_funds' });
      continue;
    }
    cellLiability.set(bet.cellId, cellNow + added);
    addedLiability.set(bet.cellId, (addedLiability.get(bet.cellId) ?? 0) + added);
    const balanceBefore = change.balance;
    change.balance -= bet.stake;
    change.debit += bet.stake;
    change.entries += 1;
    change.seq += 1;
    decisions.push({ bet, status: 'confirmed', walletId: wallet.walletId, seq: change.seq, balanceBefore, balanceAfter: change.balance });
  }
  return { decisions, changes: [...running.values()].filter((c) => c.entries > 0), addedLiability };
}
