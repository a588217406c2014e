import type { ArchiveStore } from '../archive-store.js';

export type StoreOperation = 'put' | 'get' | 'delete' | 'list';

export interface StoreFault {
  /** Which calls fail. */
  op: StoreOperation;
  /** The first call (1-based, counted per operation) that fails; default 1. */
  nth?: number;
  /** How many calls in a row fail from there; default 1 (Infinity: every one from then on). */
  times?: number;
  /**
   * For `put` only. `'nothing-stored'` (default): the upload broke off mid-way, so an atomic store keeps nothing
   * (or the previous version) under the key and the caller gets an error. `'stored-then-failed'`: the object was
   * written but the answer was lost (a timeout after the store committed): the caller gets an error anyway.
   */
  outcome?: 'nothing-stored' | 'stored-then-failed';
}

export class InjectedStoreFaultError extends Error {
  constructor(
    readonly op: StoreOperation,
    readonly key: string,
    readonly call: number,
  ) {
    super(`injected archive store fault: ${op} #${call} of ${JSON.stringify(key)}`);
    this.name = 'InjectedStoreFaultError';
  }
}

export interface FailingStore extends ArchiveStore {
  /** Calls seen per operation, failed ones included. */
  readonly calls: Record<StoreOperation, number>;
  /** Faults injected so far. */
  readonly injected: InjectedStoreFaultError[];
}

/**
 * TEST ONLY: wraps a store so that chosen calls fail, for the pipeline's "store failing mid-upload" tests. A put
 * that fails `'nothing-stored'` does not reach the inner store at all, which is exactly what an interrupted put
 * leaves on an atomic store (the file and S3 stores' own tests show that for real interruptions).
 */
export function failingStore(inner: ArchiveStore, ...faults: StoreFault[]): FailingStore {
  const calls: Record<StoreOperation, number> = { put: 0, get: 0, delete: 0, list: 0 };
  const injected: InjectedStoreFaultError[] = [];
  const faultFor = (op: StoreOperation): StoreFault | undefined => {
    const call = calls[op];
    return faults.find((f) => {
      const first = f.nth ?? 1;
      return f.op === op && call >= first && call < first + (f.times ?? 1);
    });
  };
  const fail = (op: StoreOperation, key: string): never => {
    const error = new InjectedStoreFaultError(op, key, calls[op]);
    injected.push(error);
    throw error;
  };
  return {
    url: inner.url,
    calls,
    injected,
    async put(key, body) {
      calls.put += 1;
      const fault = faultFor('put');
      if (!fault) return inner.put(key, body);
      if (fault.outcome === 'stored-then-failed') await inner.put(key, body);
      return fail('put', key);
    },
    async get(key) {
      calls.get += 1;
      return faultFor('get') ? fail('get', key) : inner.get(key);
    },
    async delete(key) {
      calls.delete += 1;
      return faultFor('delete') ? fail('delete', key) : inner.delete(key);
    },
    async list(prefix) {
      calls.list += 1;
      return faultFor('list') ? fail('list', prefix) : inner.list(prefix);
    },
  };
}
