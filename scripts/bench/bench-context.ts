/** What every mode gets from main: options, the shared Postgres/Redis, the cleanup stack, a logger, Ctrl-C. */
import type { BenchOptions } from './cli-options.js';
import type { CleanupStack } from './cleanup-stack.js';
import type { Infrastructure } from './bench-environment.js';

export interface BenchContext {
  opts: BenchOptions;
  infra: Infrastructure;
  cleanup: CleanupStack;
  /** Status lines on stderr (stdout carries the report). */
  log: (line: string) => void;
  /** Aborted on Ctrl-C: loads stop sending, modes skip what is left. */
  signal: AbortSignal;
  /** Where --cpu-prof profiles go for this invocation. */
  profileDir: string;
}
