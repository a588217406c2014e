import { describe, expect, it } from 'vitest';
import { mapFeedMessage, type FeedMapping } from './feed-mapping.js';

const base: FeedMapping = { priceField: 'price', tsField: null, tsUnit: 'ms', marketField: null, defaultMarket: 'BTC-USD', symbols: {} };

describe('mapFeedMessage', () => {
  it('maps a flat message to the default market; no ts field → null ts (receive time later)', () => {
    expect(mapFeedMessage('{"price": 101234.5}', base)).toEqual({ marketId: 'BTC-USD', price: 101234.5, ts: null });
  });

  it('follows dot paths, accepts string prices, converts seconds to ms', () => {
    const m: FeedMapping = {
      ...base,
      priceField: 'data.p',
      tsField: 'data.T',
      tsUnit: 's',
      marketField: 'data.s',
      symbols: { BTCUSDT: 'BTC-USD' },
    };
    expect(mapFeedMessage('{"data": {"p": "100000.25", "T": 1795500000.5, "s": "BTCUSDT"}}', m)).toEqual({
      marketId: 'BTC-USD',
      price: 100000.25,
      ts: 1795500000500,
    });
  });

  it.each([
    ['not JSON', '{"price":'],
    ['no price', '{"other": 1}'],
    ['zero price', '{"price": 0}'],
    ['negative price', '{"price": -5}'],
    ['non-numeric price', '{"price": "abc"}'],
    ['empty-string price', '{"price": ""}'],
    ['price inside a non-object', '{"price": {"x": 1}}'],
  ])('drops a message with %s', (_name, raw) => {
    expect(mapFeedMessage(raw, base)).toBeNull();
  });

  it('drops unmapped symbols and bad timestamps', () => {
    const m: FeedMapping = { ...base, marketField: 's', symbols: { BTCUSDT: 'BTC-USD' }, tsField: 't' };
    expect(mapFeedMessage('{"s": "ETHUSDT", "price": 1, "t": 5}', m)).toBeNull();
    expect(mapFeedMessage('{"s": "BTCUSDT", "price": 1, "t": "soon"}', m)).toBeNull();
    expect(mapFeedMessage('{"s": "BTCUSDT", "price": 1, "t": 1795500000000}', m)).toEqual({
      marketId: 'BTC-USD',
      price: 1,
      ts: 1795500000000,
    });
  });
});
