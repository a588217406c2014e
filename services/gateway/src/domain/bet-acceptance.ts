import {
  bandBounds,
  cellState,
  multiplierToBps,
  parseCellId,
  type CellRef,
  type ErrorCode,
  type GridGeometry,
  type PlaceBetBody,
} from '@wagerflow/contracts';
import type { MarketState } from '../repositories/redis-state.js';
import { quoteMultiplierBps, type OddsParams } from './odds.js';

export interface AcceptanceRules {
  markets: readonly string[];
  geometry: GridGeometry;
  odds: OddsParams;
  stakeMin: number;
  stakeMax: number;
}

export type Acceptance =
  | {
      ok: true;
      cell: CellRef;
      priceLow: number;
      priceHigh: number;
      multiplierBps: number;
      minMultiplierBps: number | null;
      lockoutAt: number;
    }
  | { ok: false; code: ErrorCode; message: string };

const fail = (code: ErrorCode, message: string): Acceptance => ({ ok: false, code, message });

/**
 * The gateway's decision on a new, well-formed bet, in SPEC 4's order: unknown resources (404) →
 * suspension (503) → business rules (422). Pure: the caller supplies the market state, the clock
 * and the cached balance (null on a cache miss: then the ledger decides).
 */
export function acceptBet(
  body: PlaceBetBody,
  rules: AcceptanceRules,
  market: MarketState,
  cachedBalance: number | null,
  now: number,
): Acceptance {
  if (!rules.markets.includes(body.marketId)) return fail('unknown_market', `unknown market ${body.marketId}`);
  const cell = parseCellId(body.cellId);
  if (!cell || cell.marketId !== body.marketId) return fail('unknown_cell', `unknown cell ${body.cellId}`);
  const state = cellState(rules.geometry, cell, now);
  if (state === 'unknown') return fail('unknown_cell', `unknown cell ${body.cellId}`);
  if (market.status === 'CRITICAL' || market.price == null) return fail('market_suspended', `market ${body.marketId} is suspended`);
  if (state === 'closed') return fail('cell_closed', 'the cell is past its lockout');
  const { priceLow, priceHigh } = bandBounds(rules.geometry, cell.bandIndex);
  const multiplierBps = quoteMultiplierBps(
    { price: market.price, now, windowStart: cell.windowStart, windowEnd: cell.windowStart + rules.geometry.windowMs, priceLow, priceHigh },
    rules.odds,
  );
  if (multiplierBps == null) return fail('cell_unavailable', 'the cell is not offered at the current price');
  if (body.stake < rules.stakeMin || body.stake > rules.stakeMax) {
    return fail('stake_out_of_range', `stake must be between ${rules.stakeMin} and ${rules.stakeMax}`);
  }
  const minMultiplierBps = body.minMultiplier == null ? null : multiplierToBps(body.minMultiplier);
  if (minMultiplierBps != null && multiplierBps < minMultiplierBps) return fail('quote_moved', 'the multiplier fell below minMultiplier');
  if (cachedBalance != null && cachedBalance < body.stake) return fail('insufficient_funds', 'balance too low');
  return { ok: true, cell, priceLow, priceHigh, multiplierBps, minMultiplierBps, lockoutAt: cell.windowStart - rules.geometry.lockoutMs };
}

/** Same `clientBetId` with the same body is a replay; anything else reuses the key (422). */
export function sameBetBody(
  body: PlaceBetBody,
  stored: { marketId: string; cellId: string; stake: number; minMultiplierBps: number | null },
): boolean {
  const min = body.minMultiplier == null ? null : multiplierToBps(body.minMultiplier);
  return (
    body.marketId === stored.marketId && body.cellId === stored.cellId && body.stake === stored.stake && min === stored.minMultiplierBps
  );
}
