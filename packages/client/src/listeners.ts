/**
 * A tiny typed event emitter. A throwing listener must not break the SDK's own bookkeeping (it runs
 * inside socket and timer callbacks), so its error goes to the `error` listeners, or is rethrown
 * asynchronously when there are none, as an uncaught exception like any other bug.
 */
export class Listeners<Events extends { error: Error }> {
  private readonly byName = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Returns the unsubscribe function. */
  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.byName.get(name);
    if (!set) this.byName.set(name, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    for (const listener of [...(this.byName.get(name) ?? [])]) {
      try {
        (listener as (p: Events[K]) => void)(payload);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (name !== 'error' && (this.byName.get('error')?.size ?? 0) > 0) this.emit('error', error);
        else
          queueMicrotask(() => {
            throw error;
          });
      }
    }
  }

  clear(): void {
    this.byName.clear();
  }
}
