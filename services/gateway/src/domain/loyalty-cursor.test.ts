import { describe, expect, it } from 'vitest';
import { decodeEntryCursor, encodeEntryCursor } from './loyalty-cursor.js';

describe('loyalty entry cursor', () => {
  it('round-trips any account seq, as URL-safe text', () => {
    for (const seq of [1, 2, 99, 1_000_001, Number.MAX_SAFE_INTEGER]) {
      const cursor = encodeEntryCursor(seq);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeEntryCursor(cursor)).toBe(seq);
    }
  });

  it('refuses what it did not make: other encodings, other listings, zero, unsafe or padded numbers', () => {
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
    for (const bad of [
      '',
      'e5',
      '5',
      b64('5'),
      b64('e0'),
      b64('e-1'),
      b64('e01'),
      b64('e1.5'),
      b64('e 1'),
      b64(`e${Number.MAX_SAFE_INTEGER + 1}`),
      b64('e12345678901234567'),
      b64('1700000000000|b-1'), // a GET /v1/bets cursor
      `${encodeEntryCursor(5)}=`,
      'ZTU+',
    ]) {
      expect(decodeEntryCursor(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});
