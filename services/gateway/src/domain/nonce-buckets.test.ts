import { describe, expect, it } from 'vitest';
import { nonceMember } from './nonce-buckets.js';

describe('nonce store helpers', () => {
  it('stores a UUID as its 16 bytes, whatever its case', () => {
    const lower = nonceMember('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(lower).toHaveLength(16);
    expect(nonceMember('0F8FAD5B-D9CB-469F-A165-70867728950E').equals(lower)).toBe(true);
  });
});
