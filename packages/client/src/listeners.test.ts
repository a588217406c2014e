import { afterEach, describe, expect, it, vi } from 'vitest';
import { Listeners } from './listeners.js';

interface Events {
  tick: number;
  error: Error;
}

describe('Listeners', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('delivers to every listener until it unsubscribes', () => {
    const l = new Listeners<Events>();
    const got: number[] = [];
    const off = l.on('tick', (n) => got.push(n));
    l.on('tick', (n) => got.push(n * 10));
    l.emit('tick', 1);
    off();
    l.emit('tick', 2);
    expect(got).toEqual([1, 10, 20]);
    l.clear();
    l.emit('tick', 3);
    expect(got).toEqual([1, 10, 20]);
  });

  it('a throwing listener goes to the error listeners and does not stop the others', () => {
    const l = new Listeners<Events>();
    const errors: string[] = [];
    const got: number[] = [];
    l.on('error', (e) => errors.push(e.message));
    l.on('tick', () => {
      throw new Error('boom');
    });
    l.on('tick', (n) => got.push(n));
    l.emit('tick', 1);
    expect(errors).toEqual(['boom']);
    expect(got).toEqual([1]);
  });

  it('without error listeners (or from one) the error is rethrown asynchronously, like an uncaught bug', () => {
    const queued: (() => void)[] = [];
    vi.stubGlobal('queueMicrotask', (f: () => void) => queued.push(f));
    const l = new Listeners<Events>();
    l.on('tick', () => {
      throw 'not an error object'; // eslint-disable-line @typescript-eslint/only-throw-error
    });
    l.emit('tick', 1);
    l.on('error', () => {
      throw new Error('in the error listener');
    });
    l.emit('error', new Error('x'));
    expect(queued).toHaveLength(2);
    expect(() => queued[0]!()).toThrow('not an error object');
    expect(() => queued[1]!()).toThrow('in the error listener');
  });
});
