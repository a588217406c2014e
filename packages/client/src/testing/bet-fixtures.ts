import {
  startBet,
  transition,
  type BetEvent,
  type BetMachineConfig,
  type BetSnapshot,
  type BetState,
  type Transition,
} from '../bet-state-machine.js';

/** Shared inputs of the bet state machine's unit tests. */
export const cfg: BetMachineConfig = {
  pendingTimeoutMs: 1_000,
  retryBaseMs: 100,
  retryMaxMs: 400,
  maxSubmits: 2,
  claimDeadlineMs: 5_000,
  maxSheds: 3,
  shedBackoffBaseMs: 500,
  shedBackoffMaxMs: 2_000,
};
export const body = { clientBetId: '6f1c6c1e-4a0e-4e38-9b5e-0b8a3c1d2e3f', marketId: 'BTC-USD', cellId: 'BTC-USD:1000:4', stake: 100 };
export const view = (status: BetSnapshot['status'], extra: Partial<BetSnapshot> = {}): BetSnapshot => ({
  betId: 'b1',
  status,
  multiplier: 2.5,
  ...extra,
});

export const accepted: BetEvent = { type: 'post:accepted', bet: view('pending') };
export const confirmedEvent: BetEvent = { type: 'stream:confirmed', betId: 'b1', multiplier: 2.5 };
export const clearTimers = [
  { type: 'clearTimer', timer: 'pending' },
  { type: 'clearTimer', timer: 'retry' },
  { type: 'clearTimer', timer: 'shed' },
  { type: 'clearTimer', timer: 'claim' },
];
export const startLookup = [{ type: 'clearTimer', timer: 'pending' }, { type: 'lookup' }];

/** Apply events in order from a new bet; the last transition. */
export function after(...events: BetEvent[]): Transition {
  let t = startBet(body);
  for (const e of events) t = transition(t.state, e, cfg);
  return t;
}
export const stateAfter = (...events: BetEvent[]): BetState => after(...events).state;
