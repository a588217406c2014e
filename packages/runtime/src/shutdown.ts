import type { Logger } from './logger.js';

export interface ShutdownManager {
  /** Steps run in registration order: stop intake → drain → close queues → quit Redis → end the pool. */
  add: (name: string, step: () => Promise<void> | void) => void;
  isDraining: () => boolean;
  shutdown: (reason: string) => Promise<void>;
  /** SIGTERM/SIGINT run the steps, bounded by `timeoutMs`, then exit. */
  installSignalHandlers: () => void;
}

export function createShutdownManager(logger: Logger, timeoutMs: number): ShutdownManager {
  const steps: { name: string; step: () => Promise<void> | void }[] = [];
  let draining = false;
  let running: Promise<void> | undefined;

  async function runSteps(): Promise<void> {
    for (const { name, step } of steps) {
      try {
        await step();
      } catch (err) {
        logger.warn({ err, step: name }, 'shutdown step failed');
      }
    }
  }

  const manager: ShutdownManager = {
    add: (name, step) => void steps.push({ name, step }),
    isDraining: () => draining,
    shutdown(reason) {
      if (running) return running;
      draining = true;
      logger.info({ reason }, 'shutting down');
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          logger.error({ timeoutMs }, 'shutdown deadline passed; exiting with work unfinished (BullMQ will redeliver it)');
          resolve();
        }, timeoutMs);
        timer.unref();
      });
      running = Promise.race([runSteps(), deadline]).finally(() => clearTimeout(timer));
      return running;
    },
    installSignalHandlers() {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          void manager.shutdown(signal).then(() => process.exit(0));
        });
      }
    },
  };
  return manager;
}
