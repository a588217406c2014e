import type { LoyaltyReply, SlipRequestJob } from '@wagerflow/contracts';
import { slipView } from '../repositories/slips.repository.js';
import type { AccrueResult, SlipSaga } from '../slip-saga.js';

function reply(r: AccrueResult, slipId: string): LoyaltyReply {
  if (r.kind === 'unknown') return { kind: 'error', code: 'unknown_slip', message: `unknown slip ${slipId}` };
  if (r.kind === 'open') return { kind: 'error', code: 'slip_open', message: 'the slip is open: close it first' };
  return { kind: 'slip', slip: slipView(r.slip), changed: r.accrued };
}

/** `POST /v1/loyalty/slips/{id}/close`: steps 1 and 2; a closed slip answers as it is. */
export const slipCloseHandler = (saga: SlipSaga) => async (data: SlipRequestJob) =>
  reply(await saga.close(data.slipId, data.staffId), data.slipId);

/** `POST /v1/loyalty/slips/{id}/recover`: replay step 2 of a closed slip; an open slip is 422 `slip_open`. */
export const slipRecoverHandler = (saga: SlipSaga) => async (data: SlipRequestJob) => reply(await saga.recover(data.slipId), data.slipId);
