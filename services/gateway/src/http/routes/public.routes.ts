import type { z } from 'zod';
import {
  bandBounds,
  bpsToMultiplier,
  formatCellId,
  openWindowStarts,
  type GridCell,
  type MarketView,
  serverTimeResponse,
  gridResponse,
  meResponse,
  tierFor,
} from '@wagerflow/contracts';
import { quoteMultiplierBps } from '../../domain/odds.js';
import { ApiError } from '../api-error.js';
import type { RouteHandlers } from '../router.js';
import type { RouteDeps } from './route-deps.js';

type PublicHandlers = Pick<RouteHandlers, 'getTime' | 'listMarkets' | 'getGrid' | 'getMe'>;

export function publicRoutes(d: RouteDeps): PublicHandlers {
  const getTime: PublicHandlers['getTime'] = async (_input, res) => {
    res.json({ serverTime: Date.now() } satisfies z.output<typeof serverTimeResponse>);
  };

  const listMarkets: PublicHandlers['listMarkets'] = async (_input, res) => {
    const views: MarketView[] = await Promise.all(
      d.rules.markets.map(async (marketId) => {
        const m = await d.redis.market(marketId);
        return { marketId, price: m.price, feedStatus: m.status, lastTickAt: m.lastTickAt };
      }),
    );
    res.json(views);
  };

  const getGrid: PublicHandlers['getGrid'] = async ({ params: { marketId } }, res) => {
    if (!d.rules.markets.includes(marketId)) throw new ApiError('unknown_market', `unknown market ${marketId}`);
    const m = await d.redis.market(marketId);
    const now = Date.now();
    const g = d.rules.geometry;
    const cells: GridCell[] = [];
    if (m.price != null && m.status !== 'CRITICAL') {
      const bands = d.gridBands;
      const center = Math.floor(m.price / g.priceStep);
      const first = Math.max(0, center - Math.floor(bands / 2));
      for (const windowStart of openWindowStarts(g, now)) {
        for (let band = first; band < first + bands; band++) {
          const { priceLow, priceHigh } = bandBounds(g, band);
          const bps = quoteMultiplierBps(
            { price: m.price, now, windowStart, windowEnd: windowStart + g.windowMs, priceLow, priceHigh },
            d.rules.odds,
          );
          if (bps == null) continue;
          cells.push({
            cellId: formatCellId({ marketId, windowStart, bandIndex: band }),
            priceLow,
            priceHigh,
            windowStart,
            windowEnd: windowStart + g.windowMs,
            multiplier: bpsToMultiplier(bps),
          });
        }
      }
    }
    res.json({
      marketId,
      price: m.price,
      asOf: m.lastTickAt ?? now,
      priceStep: g.priceStep,
      windowMs: g.windowMs,
      lockoutMs: g.lockoutMs,
      cells,
    } satisfies z.output<typeof gridResponse>);
  };

  const getMe: PublicHandlers['getMe'] = async ({ principal: { playerId } }, res) => {
    const [wallet, loyalty] = await Promise.all([d.ledger.wallet(playerId), d.loyalty.account(playerId)]);
    res.json({
      playerId,
      balance: wallet.balance,
      walletSeq: wallet.walletSeq,
      loyalty: { points: loyalty.points, tier: tierFor(loyalty.lifetimePoints, d.tiers).name },
    } satisfies z.output<typeof meResponse>);
  };

  return { getTime, listMarkets, getGrid, getMe };
}
