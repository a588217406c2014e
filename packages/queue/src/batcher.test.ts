import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import { Batcher } from './batcher.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A batcher whose flushes are recorded and answer `item × 10` (or throw for items listed in `failOn`). */
function recording(maxSize: number, maxWaitMs: number, failOn: number[] = []) {
  const batches: number[][] = [];
  const batcher = new Batcher<number, number>({
    maxSize,
    maxWaitMs,
    flush: async (items) => {
      batches.push([...items]);
      if (items.some((i) => failOn.includes(i))) throw new Error(`flush of [${items.join(',')}] failed`);
      return items.map((i) => i * 10);
    },
  });
  return { batcher, batches };
}

/** A batcher whose flushes wait until the test settles them, one deferred per flush. */
function manual(maxSize: number, maxWaitMs: number) {
  const flushes: { items: string[]; d: Deferred<string[]> }[] = [];
  const batcher = new Batcher<string, string>({
    maxSize,
    maxWaitMs,
    flush: (items) => {
      const d = deferred<string[]>();
      flushes.push({ items: [...items], d });
      return d.promise;
    },
  });
  return { batcher, flushes };
}
const echo = (items: string[]) => items.map((i) => `ok:${i}`);

/** Settle a promise's state without awaiting it (for "not yet resolved" checks). */
function track<T>(p: Promise<T>) {
  const s: { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  p.then(
    (value) => Object.assign(s, { state: 'fulfilled', value }),
    (error: unknown) => Object.assign(s, { state: 'rejected', error }),
  );
  return s;
}
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('Batcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('flushes at maxSize immediately, without waiting for the timer', async () => {
    const { batcher, batches } = recording(3, 1_000);
    const results = [1, 2, 3].map((i) => batcher.submit(i));
    expect(batches).toEqual([[1, 2, 3]]); // synchronously, no time advanced
    expect(await Promise.all(results)).toEqual([10, 20, 30]);
    expect(batcher.pending).toBe(0);
  });

  it('flushes what waits maxWaitMs after the first item arrived', async () => {
    const { batcher, batches } = recording(10, 1_000);
    const a = track(batcher.submit(1));
    await vi.advanceTimersByTimeAsync(600);
    const b = track(batcher.submit(2)); // does not restart the timer
    expect(batcher.pending).toBe(2);
    await vi.advanceTimersByTimeAsync(399);
    expect(batches).toEqual([]);
    expect(a.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1, 2]]);
    expect([a.value, b.value]).toEqual([10, 20]);
    expect(batcher.pending).toBe(0);
  });

  it('a timer-flushed batch is followed by a fresh timer for the next item', async () => {
    const { batcher, batches } = recording(10, 100);
    void batcher.submit(1);
    await vi.advanceTimersByTimeAsync(100);
    void batcher.submit(2);
    await vi.advanceTimersByTimeAsync(99);
    expect(batches).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1], [2]]);
  });

  it('keeps a single timer per batch: later arrivals neither restart nor stack timers', async () => {
    const { batcher, batches } = recording(10, 100);
    void batcher.submit(1); // t = 0
    await vi.advanceTimersByTimeAsync(50);
    void batcher.submit(2); // t = 50
    await vi.advanceTimersByTimeAsync(10);
    void batcher.submit(3); // t = 60
    await vi.advanceTimersByTimeAsync(40);
    expect(batches).toEqual([[1, 2, 3]]); // t = 100: 100 ms after the first
    await vi.advanceTimersByTimeAsync(10);
    void batcher.submit(4); // t = 110: its own 100 ms
    await vi.advanceTimersByTimeAsync(99); // past t = 150 and 160, where stray timers would fire
    expect(batches).toEqual([[1, 2, 3]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('resolves each caller with its own item’s result', async () => {
    const { batcher } = recording(4, 50);
    const results = Promise.all([7, 3, 9].map((i) => batcher.submit(i)));
    await vi.advanceTimersByTimeAsync(50);
    expect(await results).toEqual([70, 30, 90]);
  });

  it('splits a burst into batches of at most maxSize', async () => {
    const { batcher, batches } = recording(2, 1_000);
    const results = Promise.all([1, 2, 3, 4, 5].map((i) => batcher.submit(i)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await results).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('runs one flush at a time: items arriving during a flush go to the next batch', async () => {
    const { batcher, flushes } = manual(2, 100);
    const a = track(batcher.submit('a'));
    const b = track(batcher.submit('b'));
    expect(flushes.map((f) => f.items)).toEqual([['a', 'b']]);

    const c = track(batcher.submit('c'));
    const d = track(batcher.submit('d'));
    const e = track(batcher.submit('e'));
    await vi.advanceTimersByTimeAsync(1_000); // neither maxSize nor the timer starts a second flush
    expect(flushes).toHaveLength(1);
    expect(batcher.pending).toBe(3);

    flushes[0]!.d.resolve(echo(flushes[0]!.items));
    await settle();
    expect([a.value, b.value]).toEqual(['ok:a', 'ok:b']);
    // 3 waiting ≥ maxSize: the next flush starts at once with the first two
    expect(flushes.map((f) => f.items)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(batcher.pending).toBe(1);

    flushes[1]!.d.resolve(echo(flushes[1]!.items));
    await settle();
    expect([c.value, d.value, e.state]).toEqual(['ok:c', 'ok:d', 'pending']);
    await vi.advanceTimersByTimeAsync(100); // the last one waits for the timer
    expect(flushes.map((f) => f.items)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    flushes[2]!.d.resolve(echo(flushes[2]!.items));
    await settle();
    expect(e.value).toBe('ok:e');
  });

  it('never runs two flushes concurrently under a random workload', async () => {
    let running = 0;
    let maxRunning = 0;
    const seen: number[] = [];
    const batcher = new Batcher<number, number>({
      maxSize: 3,
      maxWaitMs: 20,
      flush: async (items) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 7 * items.length));
        running--;
        seen.push(...items);
        return items.map((i) => -i);
      },
    });
    const results: Promise<number>[] = [];
    for (let i = 0; i < 50; i++) {
      results.push(batcher.submit(i));
      await vi.advanceTimersByTimeAsync((i * 37) % 11);
    }
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await Promise.all(results)).toEqual(Array.from({ length: 50 }, (_, i) => -i));
    expect(maxRunning).toBe(1);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i)); // FIFO, each once
  });

  it('a throwing flush rejects exactly its batch, and later batches still work', async () => {
    const { batcher, batches } = recording(2, 100, [3]);
    const first = Promise.all([batcher.submit(1), batcher.submit(2)]);
    const bad3 = track(batcher.submit(3));
    const bad4 = track(batcher.submit(4));
    const r5 = track(batcher.submit(5));
    expect(await first).toEqual([10, 20]);
    await settle();
    expect(bad3.state).toBe('rejected');
    expect(bad4.state).toBe('rejected');
    expect((bad3.error as Error).message).toBe('flush of [3,4] failed');
    expect(bad4.error).toBe(bad3.error);
    expect(r5.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(100);
    expect(r5.value).toBe(50);
    expect(await Promise.all([batcher.submit(6), batcher.submit(7)])).toEqual([60, 70]);
    expect(batches).toEqual([[1, 2], [3, 4], [5], [6, 7]]);
  });

  it('a flush that throws synchronously also rejects its batch and recovers', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>({
      maxSize: 1,
      maxWaitMs: 10,
      flush: (items) => {
        calls++;
        if (calls === 1) throw new Error('sync boom');
        return Promise.resolve(items);
      },
    });
    await expect(batcher.submit(1)).rejects.toThrow('sync boom');
    await expect(batcher.submit(2)).resolves.toBe(2);
  });

  it('close() flushes what waits without waiting for the timer, then rejects new submissions', async () => {
    const { batcher, batches } = recording(10, 60_000);
    const a = batcher.submit(1);
    const b = batcher.submit(2);
    await batcher.close();
    expect(batches).toEqual([[1, 2]]);
    expect(await Promise.all([a, b])).toEqual([10, 20]);
    await expect(batcher.submit(3)).rejects.toThrow('batcher closed');
    expect(batches).toEqual([[1, 2]]);
    expect(batcher.pending).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000); // the cleared timer does not fire a stray flush
    expect(batches).toEqual([[1, 2]]);
  });

  it('close() flushes more than maxSize waiting items in several batches', async () => {
    const { batcher, flushes } = manual(2, 60_000);
    const first = batcher.submit('a');
    void batcher.submit('b'); // starts flush 1
    const rest = ['c', 'd', 'e'].map((x) => batcher.submit(x));
    const closed = track(batcher.close());
    await vi.advanceTimersByTimeAsync(5);
    expect(closed.state).toBe('pending'); // waits for the running flush
    await expect(batcher.submit('late')).rejects.toThrow('batcher closed');
    flushes[0]!.d.resolve(echo(flushes[0]!.items));
    await vi.advanceTimersByTimeAsync(5);
    expect(flushes.map((f) => f.items)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    flushes[1]!.d.resolve(echo(flushes[1]!.items));
    await vi.advanceTimersByTimeAsync(5);
    expect(flushes.map((f) => f.items)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    flushes[2]!.d.resolve(echo(flushes[2]!.items));
    await vi.advanceTimersByTimeAsync(5);
    expect(closed.state).toBe('fulfilled');
    expect(await first).toBe('ok:a');
    expect(await Promise.all(rest)).toEqual(['ok:c', 'ok:d', 'ok:e']);
  });

  it('close() on an idle batcher resolves at once', async () => {
    const { batcher, batches } = recording(2, 100);
    await batcher.close();
    expect(batches).toEqual([]);
    await expect(batcher.submit(1)).rejects.toThrow('batcher closed');
  });

  it('close() settles even when the final flush throws', async () => {
    const { batcher } = recording(10, 60_000, [1]);
    const a = track(batcher.submit(1));
    await batcher.close();
    await settle();
    expect(a.state).toBe('rejected');
  });

  it('maxWaitMs 0: a burst submitted in one event-loop turn goes out as one batch', async () => {
    const { batcher, batches } = recording(100, 0);
    const results = Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
    await settle();
    expect(await results).toEqual([10, 20, 30]);
    void batcher.submit(4);
    await settle();
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('concurrency 2: two flushes run at once, a third batch waits for one of them', async () => {
    const flushes: { items: string[]; d: Deferred<string[]> }[] = [];
    const batcher = new Batcher<string, string>({
      maxSize: 1,
      maxWaitMs: 10,
      concurrency: 2,
      flush: (items) => {
        const d = deferred<string[]>();
        flushes.push({ items: [...items], d });
        return d.promise;
      },
    });
    const a = track(batcher.submit('a'));
    const b = track(batcher.submit('b'));
    const c = track(batcher.submit('c'));
    await settle();
    expect(flushes.map((f) => f.items)).toEqual([['a'], ['b']]);
    flushes[1]!.d.resolve(echo(['b']));
    await settle();
    expect(b.value).toBe('ok:b');
    expect(flushes.map((f) => f.items)).toEqual([['a'], ['b'], ['c']]);
    flushes[0]!.d.resolve(echo(['a']));
    flushes[2]!.d.resolve(echo(['c']));
    await settle();
    expect([a.value, c.value]).toEqual(['ok:a', 'ok:c']);
  });

  it('waitOnlyWhenBusy: a lone item goes at the end of its turn; items that keep coming wait and share a batch', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>({
      maxSize: 10,
      maxWaitMs: 20,
      waitOnlyWhenBusy: true,
      flush: async (items) => {
        batches.push([...items]);
        return items;
      },
    });
    // The first item ever, and one after a quiet spell longer than the wait: no company is coming.
    void batcher.submit(1);
    await settle();
    expect(batches).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(5);
    // 5 ms after the previous one: busy, so it waits the 20 ms and takes what arrives meanwhile.
    void batcher.submit(2);
    await settle();
    expect(batches).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(10);
    void batcher.submit(3);
    await vi.advanceTimersByTimeAsync(9);
    expect(batches).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1], [2, 3]]);
    await vi.advanceTimersByTimeAsync(21);
    void batcher.submit(4);
    await settle();
    expect(batches).toEqual([[1], [2, 3], [4]]);
  });
});
