import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveObjectMissingError } from '../archive-store.js';
import { FileArchiveStore } from '../file-store.js';
import { InjectedStoreFaultError, failingStore } from './failing-store.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'archive-faults-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('failingStore', () => {
  it('fails the nth put with nothing stored, then lets the retry through', async () => {
    const inner = new FileArchiveStore(root);
    const store = failingStore(inner, { op: 'put', nth: 2 });
    expect(store.url).toBe(inner.url);
    await store.put('a', Buffer.from('a'));
    const err = await store.put('b', Buffer.from('b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InjectedStoreFaultError);
    expect(err).toMatchObject({ op: 'put', key: 'b', call: 2 });
    await expect(inner.get('b')).rejects.toBeInstanceOf(ArchiveObjectMissingError);
    expect(await inner.list('')).toEqual(['a']);
    await store.put('b', Buffer.from('b'));
    expect((await inner.get('b')).toString()).toBe('b');
    expect(store.calls.put).toBe(3);
    expect(store.injected).toHaveLength(1);
  });

  it('stored-then-failed writes the object and still rejects (an answer lost after the commit)', async () => {
    const inner = new FileArchiveStore(root);
    const store = failingStore(inner, { op: 'put', outcome: 'stored-then-failed' });
    await expect(store.put('k', Buffer.from('v'))).rejects.toBeInstanceOf(InjectedStoreFaultError);
    expect((await inner.get('k')).toString()).toBe('v');
  });

  it('fails a run of calls of other operations', async () => {
    const inner = new FileArchiveStore(root);
    await inner.put('k', Buffer.from('v'));
    const store = failingStore(inner, { op: 'get', nth: 1, times: 2 }, { op: 'list', times: Infinity }, { op: 'delete', nth: 2 });
    await expect(store.get('k')).rejects.toBeInstanceOf(InjectedStoreFaultError);
    await expect(store.get('k')).rejects.toBeInstanceOf(InjectedStoreFaultError);
    expect((await store.get('k')).toString()).toBe('v');
    for (let i = 0; i < 3; i++) await expect(store.list('')).rejects.toBeInstanceOf(InjectedStoreFaultError);
    await store.delete('absent');
    await expect(store.delete('k')).rejects.toBeInstanceOf(InjectedStoreFaultError);
    expect(await inner.list('')).toEqual(['k']);
    expect(store.calls).toEqual({ put: 0, get: 3, delete: 2, list: 3 });
  });
});
