/**
 * On a 2-core machine the generator competes for CPU with five services, Postgres and Redis; at equal priority
 * the scheduler can leave it waiting tens of ms, and sends go out late for reasons that have nothing to do with
 * the platform. Raising its main thread to nice −5 for the load (root or CAP_SYS_NICE needed; otherwise nothing
 * changes and the report says so) keeps the schedule honest: it uses the same CPU, just on time. Children are
 * spawned before this, so the services keep their normal priority.
 */
import os from 'node:os';

export const GENERATOR_NICE = -5;

/** Returns the nice value now in force, or null when it could not be raised. */
export function raiseGeneratorPriority(): number | null {
  try {
    os.setPriority(GENERATOR_NICE);
    return os.getPriority();
  } catch {
    return null;
  }
}

export function restoreGeneratorPriority(): void {
  try {
    os.setPriority(0);
  } catch {
    /* raising the nice value back is always allowed; nothing to do if it fails */
  }
}
