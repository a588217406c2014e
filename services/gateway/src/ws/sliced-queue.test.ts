import { describe, expect, it } from 'vitest';
import { createSlicedQueue } from './sliced-queue.js';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the cost of one event's delivery, stretched
  }
};
const settled = (q: { size: number }) =>
  new Promise<void>((resolve) => {
    const look = () => (q.size === 0 ? resolve() : setImmediate(look));
    look();
  });

describe('createSlicedQueue', () => {
  it('handles a lone item at once, in the caller’s turn of the loop', () => {
    const handled: number[] = [];
    const q = createSlicedQueue((n: number) => handled.push(n), { sliceMs: 2, onError: () => undefined });
    q.push([1]);
    expect(handled).toEqual([1]);
    expect(q.size).toBe(0);
  });

  it('lets other callbacks of the loop run between slices, and keeps the order of everything pushed', async () => {
    const handled: number[] = [];
    const q = createSlicedQueue(
      (n: number) => {
        busy(0.5);
        handled.push(n);
      },
      { sliceMs: 2, onError: () => undefined },
    );
    q.push(Array.from({ length: 40 }, (_, i) => i));
    // The first slice ran now and stopped once its 2 ms were spent (four or five items of 0.5 ms).
    expect(handled.length).toBeGreaterThan(0);
    expect(handled.length).toBeLessThanOrEqual(5);
    let seenAt = -1;
    setImmediate(() => (seenAt = handled.length));
    q.push([40, 41]);
    await settled(q);
    // A callback queued meanwhile (an HTTP request's, say) ran before the queue was through.
    expect(seenAt).toBeGreaterThan(0);
    expect(seenAt).toBeLessThan(42);
    expect(handled).toEqual(Array.from({ length: 42 }, (_, i) => i));
  });

  it('reports an item that throws and goes on with the next', async () => {
    const handled: number[] = [];
    const failed: unknown[] = [];
    const q = createSlicedQueue(
      (n: number) => {
        if (n === 2) throw new Error('bad item');
        handled.push(n);
      },
      { sliceMs: 2, onError: (err, item) => failed.push([(err as Error).message, item]) },
    );
    q.push([1, 2, 3]);
    await settled(q);
    expect(handled).toEqual([1, 3]);
    expect(failed).toEqual([['bad item', 2]]);
  });

  it('handles a long backlog to the end, slice after slice', async () => {
    let handled = 0;
    const q = createSlicedQueue(
      () => {
        handled += 1;
      },
      { sliceMs: 0.01, onError: () => undefined },
    );
    for (let i = 0; i < 5; i++) q.push(Array.from({ length: 4_000 }, () => i));
    expect(q.size).toBeGreaterThan(0);
    await settled(q);
    expect(handled).toBe(20_000);
    expect(q.size).toBe(0);
  });
});
