import type { PlaceBetBody } from '@wagerflow/contracts';
import { failureCause, lookupAnswerEvent, postAnswerEvent } from './bet-responses.js';
import {
  isTerminal,
  startBet,
  transition,
  type BetCommand,
  type BetEvent,
  type BetMachineConfig,
  type BetState,
  type TimerName,
} from './bet-state-machine.js';

/** The two calls a bet needs; `PlayerClient` provides them (each signed afresh, so a retry has a new nonce). */
export interface BetTransport {
  /** `headers` (optional) gives a shed answer's Retry-After. */
  placeBet(body: PlaceBetBody): Promise<{ status: number; body: unknown; headers?: { get(name: string): string | null } }>;
  betByClientId(clientBetId: string): Promise<{ status: number; body: unknown }>;
}

export class ClientClosedError extends Error {
  constructor() {
    super('the client was closed before the bet was decided');
    this.name = 'ClientClosedError';
  }
}

/**
 * The I/O around the pure machine for one bet: runs its commands (HTTP calls, timers) and feeds
 * their outcomes back as events. `outcome` resolves with the first CONFIRMED or REJECTED state; a
 * provisional REJECTED may still be replaced by the server's outcome later (watch `onChange` / `state`).
 */
export class BetDriver {
  state: BetState;
  readonly outcome: Promise<BetState>;
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private disposed = false;
  private settle!: { resolve: (s: BetState) => void; reject: (e: Error) => void };

  constructor(
    body: PlaceBetBody,
    private readonly transport: BetTransport,
    private readonly config: BetMachineConfig,
    private readonly onChange: (state: BetState, previous: BetState) => void,
  ) {
    this.outcome = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // Callers may follow a bet through events only: closing must not raise an unhandled rejection then.
    this.outcome.catch(() => undefined);
    const first = startBet(body);
    this.state = first.state;
    this.run(first.commands);
  }

  dispatch(event: BetEvent): void {
    if (this.disposed) return;
    const previous = this.state;
    const { state, commands } = transition(previous, event, this.config);
    this.state = state;
    this.run(commands);
    if (state !== previous) this.onChange(state, previous);
    if (isTerminal(state.phase)) this.settle.resolve(state);
  }

  /** Stop timers and ignore late answers; an undecided bet's `outcome` rejects. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (!isTerminal(this.state.phase)) this.settle.reject(new ClientClosedError());
  }

  private run(commands: BetCommand[]): void {
    for (const c of commands) {
      switch (c.type) {
        case 'post':
          this.request(
            () => this.transport.placeBet(this.state.body),
            (answer) => postAnswerEvent(answer),
            (cause) => ({ type: 'post:failed', cause }),
          );
          break;
        case 'lookup':
          this.request(
            () => this.transport.betByClientId(this.state.body.clientBetId),
            lookupAnswerEvent,
            (cause) => ({ type: 'lookup:failed', cause }),
          );
          break;
        case 'setTimer':
          this.clearTimer(c.timer);
          this.timers.set(
            c.timer,
            setTimeout(() => {
              this.timers.delete(c.timer);
              this.dispatch({ type: `timer:${c.timer}` });
            }, c.ms),
          );
          break;
        case 'clearTimer':
          this.clearTimer(c.timer);
          break;
      }
    }
  }

  private clearTimer(name: TimerName): void {
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
  }

  private request(
    send: () => Promise<{ status: number; body: unknown }>,
    onAnswer: (a: { status: number; body: unknown }) => BetEvent,
    onFailure: (cause: string) => BetEvent,
  ): void {
    void send().then(
      (answer) => this.dispatch(onAnswer(answer)),
      (err: unknown) => this.dispatch(onFailure(failureCause(err))),
    );
  }
}
