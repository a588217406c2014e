import { describe, expect, it } from 'vitest';
import { occurrences } from './outcome-counter.js';

describe('occurrences', () => {
  it('counts non-overlapping occurrences of a needle', () => {
    const msg = JSON.stringify([{ type: 'bet:confirmed' }, { type: 'bet:rejected' }, { type: 'bet:confirmed' }]);
    expect(occurrences(msg, '"type":"bet:confirmed"')).toBe(2);
    expect(occurrences(msg, '"type":"bet:rejected"')).toBe(1);
    expect(occurrences(msg, '"type":"bet:settled"')).toBe(0);
    expect(occurrences('aaaa', 'aa')).toBe(2);
  });
});
