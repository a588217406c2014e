/**
 * Everything the bench starts registers how to stop it here; `runAll` stops them in reverse order (sockets, then
 * services, then Redis and Postgres), once, whether the run ended, failed or was interrupted with Ctrl-C.
 */
export class CleanupStack {
  private readonly items: { label: string; stop: () => Promise<void> | void }[] = [];
  private running: Promise<void> | undefined;

  add(label: string, stop: () => Promise<void> | void): void {
    this.items.push({ label, stop });
  }

  /** Run (and forget) the cleanups registered since `mark()` returned `n`. */
  async unwindTo(n: number, log: (line: string) => void = () => undefined): Promise<void> {
    while (this.items.length > n) {
      const item = this.items.pop()!;
      try {
        await item.stop();
      } catch (err) {
        log(`stopping ${item.label} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  mark(): number {
    return this.items.length;
  }

  runAll(log?: (line: string) => void): Promise<void> {
    return (this.running ??= this.unwindTo(0, log));
  }
}
