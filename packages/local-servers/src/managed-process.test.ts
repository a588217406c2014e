import { describe, expect, it } from 'vitest';
import { settlesWithin } from './managed-process.js';

describe('settlesWithin', () => {
  it('is true for a promise that settles in time, resolved or rejected', async () => {
    expect(await settlesWithin(Promise.resolve(), 1_000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('gone')), 1_000)).toBe(true);
    expect(await settlesWithin(new Promise((r) => setTimeout(r, 10)), 1_000)).toBe(true);
  });

  it('is false once the bound passes first', async () => {
    const started = Date.now();
    expect(await settlesWithin(new Promise(() => undefined), 30)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
