import type { Logger } from '@wagerflow/runtime';
import type { SlipSaga } from '../slip-saga.js';

/**
 * The scheduler's sweep: close slips idle for `idleMs` (saga step 1, then 2) and recover slips closed more than
 * `recoveryAfterMs` ago that still have no accrual (a crash between the steps, a failed step 2).
 */
export function slipSweepHandler(o: { saga: SlipSaga; logger: Logger; idleMs: number; recoveryAfterMs: number }) {
  return async (): Promise<{ closed: number; recovered: number }> => {
    const now = Date.now();
    const result = await o.saga.sweep(now, now - o.idleMs, now - o.recoveryAfterMs);
    if (result.closed > 0 || result.recovered > 0) o.logger.info(result, 'slip sweep');
    return result;
  };
}
