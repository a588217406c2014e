import { describe, expect, it } from 'vitest';
import { parseFrame } from './stream-messages.js';

describe('parseFrame', () => {
  it('parses SPEC 4.5 messages, dropping trace fields', () => {
    const confirmed = {
      type: 'bet:confirmed',
      seq: 2,
      betId: 'b',
      clientBetId: 'c',
      multiplier: 2,
      balance: 5,
      walletSeq: 3,
      traceparent: 't',
    };
    expect(parseFrame(JSON.stringify(confirmed))).toEqual({
      seq: 2,
      message: { type: 'bet:confirmed', seq: 2, betId: 'b', clientBetId: 'c', multiplier: 2, balance: 5, walletSeq: 3 },
    });
    const hello = { type: 'hello', seq: 1, playerId: 'p', balance: 0, walletSeq: 0 };
    expect(parseFrame(JSON.stringify(hello))).toEqual({ seq: 1, message: hello });
    const settled = { type: 'bet:settled', seq: 4, betId: 'b', clientBetId: 'c', result: 'void', payout: 10, balance: 15, walletSeq: 4 };
    expect(parseFrame(JSON.stringify(settled)).message).toEqual(settled);
  });
  it('keeps the seq of unknown or malformed messages but does not apply them', () => {
    expect(parseFrame('{"type":"future","seq":3}')).toEqual({ seq: 3, message: null });
    expect(parseFrame('{"type":"bet:rejected","seq":3,"betId":1}')).toEqual({ seq: 3, message: null });
    expect(parseFrame('{"type":"hello","seq":1,"playerId":"p","balance":1.5,"walletSeq":0}')).toEqual({ seq: 1, message: null });
  });
  it('no seq without JSON or an integer seq', () => {
    expect(parseFrame('nope')).toEqual({ seq: null, message: null });
    expect(parseFrame('7')).toEqual({ seq: null, message: null });
    expect(parseFrame('{"type":"hello","seq":"1"}')).toEqual({ seq: null, message: null });
  });
});
