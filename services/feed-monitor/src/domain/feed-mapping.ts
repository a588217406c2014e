/**
 * How a third-party WebSocket JSON feed maps to ticks: dot paths to the price, the optional time
 * and the optional market fields (e.g. `data.p`, `data.T`, `data.s`). Prices may arrive as strings
 * (many exchanges send them so); anything that is not a positive finite number is dropped.
 */
export interface FeedMapping {
  priceField: string;
  tsField: string | null;
  tsUnit: 'ms' | 's';
  /** Without a market field, every message is for `defaultMarket`. */
  marketField: string | null;
  defaultMarket: string;
  /** Feed symbol → our market id (e.g. BTCUSDT → BTC-USD); unmapped symbols are dropped. */
  symbols: Record<string, string>;
}

export interface MappedTick {
  marketId: string;
  price: number;
  ts: number | null;
}

function at(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function toNumber(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

export function mapFeedMessage(raw: string, m: FeedMapping): MappedTick | null {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return null;
  }
  const price = toNumber(at(msg, m.priceField));
  if (price == null || price <= 0) return null;
  let marketId = m.defaultMarket;
  if (m.marketField) {
    const symbol = at(msg, m.marketField);
    const mapped = typeof symbol === 'string' ? (m.symbols[symbol] ?? null) : null;
    if (!mapped) return null;
    marketId = mapped;
  }
  let ts: number | null = null;
  if (m.tsField) {
    const t = toNumber(at(msg, m.tsField));
    if (t == null || t <= 0) return null;
    ts = Math.round(m.tsUnit === 's' ? t * 1000 : t);
  }
  return { marketId, price, ts };
}
