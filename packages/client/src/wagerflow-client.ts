import type { FeedStatus, PlaceBetBody } from '@wagerflow/contracts';
import { BetDriver } from './bet-driver.js';
import { toSnapshot } from './bet-responses.js';
import { DEFAULT_BET_MACHINE_CONFIG, isTerminal, type BetMachineConfig, type BetState } from './bet-state-machine.js';
import { PlayerClient } from './http-client.js';
import { Listeners } from './listeners.js';
import { ReconnectingStream, type ReconnectingStreamOptions, type ResyncReason } from './reconnecting-stream.js';
import { ResyncScheduler } from './resync-scheduler.js';
import { DEFAULT_RESYNC_MARGIN_MS, fetchResync, type ResyncResult } from './resync.js';
import type { HelloMessage, ServerMessage } from './stream-messages.js';
import { newUuid } from './web-signing.js';

export interface WagerflowClientOptions extends Partial<BetMachineConfig> {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  /** Deadline of every HTTP call; a POST that misses it makes its bet UNKNOWN. Default 5 000. */
  requestTimeoutMs?: number;
  resyncMarginMs?: number;
  /**
   * Decided bets beyond this many are forgotten, oldest first (their later settlements still reach `message`);
   * a provisional REJECTED is kept, since the server's outcome may still replace it.
   */
  maxTrackedBets?: number;
  fetch?: typeof fetch;
  stream?: Omit<ReconnectingStreamOptions, 'baseUrl' | 'creds'>;
}

export type PlaceBetInput = Omit<PlaceBetBody, 'clientBetId'> & { clientBetId?: string };
export interface WalletSnapshot {
  balance: number;
  walletSeq: number;
}

export interface ClientEvents {
  /**
   * Every phase change of a bet (`previous` null when it is created), and every change of its `gaveUpResubmitting`
   * or `provisional` flag: a provisional REJECTED replaced by the server's outcome (CONFIRMED, or REJECTED with the
   * ledger's reason) arrives here after `placeBet` has already resolved.
   */
  bet: { state: BetState; previous: BetState | null };
  settled: BetState;
  balance: WalletSnapshot;
  feed: { marketId: string; status: FeedStatus };
  connection: { state: 'up' | 'down'; reconnect: boolean };
  resync: ResyncResult & { reason: ResyncReason };
  message: ServerMessage;
  error: Error;
}

const isFinalResult = (s: BetState) => s.result !== null && s.result !== 'open';
const isNews = (s: BetState, p: BetState) =>
  s.phase !== p.phase || s.provisional !== p.provisional || s.gaveUpResubmitting !== p.gaveUpResubmitting;

/**
 * The SDK: signed HTTP, the reconnecting stream and one state machine per bet, wired together.
 * `placeBet` resolves once the bet is first CONFIRMED or REJECTED, however many drops happen on the way.
 */
export class WagerflowClient {
  readonly http: PlayerClient;
  readonly stream: ReconnectingStream;
  private readonly events = new Listeners<ClientEvents>();
  private readonly drivers = new Map<string, BetDriver>();
  private readonly config: BetMachineConfig;
  private wallet: WalletSnapshot | null = null;
  private readonly resync: ResyncScheduler;
  private closed = false;

  constructor(private readonly o: WagerflowClientOptions) {
    const creds = { apiKey: o.apiKey, apiSecret: o.apiSecret };
    this.http = new PlayerClient(o.baseUrl, creds, { fetch: o.fetch, timeoutMs: o.requestTimeoutMs ?? 5_000 });
    this.stream = new ReconnectingStream({ ...o.stream, baseUrl: o.baseUrl, creds });
    const d = DEFAULT_BET_MACHINE_CONFIG;
    this.config = {
      pendingTimeoutMs: o.pendingTimeoutMs ?? d.pendingTimeoutMs,
      retryBaseMs: o.retryBaseMs ?? d.retryBaseMs,
      retryMaxMs: o.retryMaxMs ?? d.retryMaxMs,
      maxSubmits: o.maxSubmits ?? d.maxSubmits,
      claimDeadlineMs: o.claimDeadlineMs ?? d.claimDeadlineMs,
      maxSheds: o.maxSheds ?? d.maxSheds,
      shedBackoffBaseMs: o.shedBackoffBaseMs ?? d.shedBackoffBaseMs,
      shedBackoffMaxMs: o.shedBackoffMaxMs ?? d.shedBackoffMaxMs,
    };
    this.stream.on('message', (m) => this.onMessage(m));
    this.stream.on('up', ({ reconnect }) => this.events.emit('connection', { state: 'up', reconnect }));
    this.stream.on('down', () => {
      // Outcome events can be lost from here on: every undecided bet must be looked up.
      for (const driver of this.drivers.values()) driver.dispatch({ type: 'socket:lost' });
      this.events.emit('connection', { state: 'down', reconnect: false });
    });
    this.resync = new ResyncScheduler({
      fetch: (since) => fetchResync(this.http, since),
      connection: () => this.stream.connectionCount,
      isLive: (connection) => this.isLive(connection),
      apply: (result, reason, connection) => this.applyResync(result, reason, connection),
      onError: (err) => this.events.emit('error', err),
      backoff: { baseMs: this.config.retryBaseMs, maxMs: this.config.retryMaxMs },
    });
    this.stream.on('resync', ({ reason, lastGoodAt }) =>
      this.resync.request(lastGoodAt - (o.resyncMarginMs ?? DEFAULT_RESYNC_MARGIN_MS), reason),
    );
    this.stream.on('error', (err) => this.events.emit('error', err));
  }

  on<K extends keyof ClientEvents>(name: K, listener: (payload: ClientEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  /** The newest balance seen (hello, outcome events, resync); never replaced by an older `walletSeq`. */
  get balance(): WalletSnapshot | null {
    return this.wallet;
  }

  bet(clientBetId: string): BetState | undefined {
    return this.drivers.get(clientBetId)?.state;
  }

  connect(): Promise<HelloMessage> {
    return this.stream.connect();
  }

  /**
   * Resolves with the bet once it is first CONFIRMED or REJECTED; stays pending while it is UNKNOWN (even after
   * giving up resubmitting: it is still looked up). A `provisional` REJECTED can be corrected later: the 'bet'
   * event and `bet(clientBetId)` show it. The same clientBetId twice is one bet (the first call's body wins).
   */
  placeBet(input: PlaceBetInput): Promise<BetState> {
    if (this.closed) return Promise.reject(new Error('client closed'));
    const body: PlaceBetBody = {
      clientBetId: input.clientBetId ?? newUuid(),
      marketId: input.marketId,
      cellId: input.cellId,
      stake: input.stake,
    };
    if (input.minMultiplier !== undefined) body.minMultiplier = input.minMultiplier;
    const existing = this.drivers.get(body.clientBetId);
    if (existing) return existing.outcome;
    const driver = new BetDriver(body, this.http, this.config, (state, previous) => this.onBetChange(state, previous));
    this.drivers.set(body.clientBetId, driver);
    this.forgetOldBets();
    this.events.emit('bet', { state: driver.state, previous: null });
    // Without a live socket the outcome event cannot arrive: UNKNOWN from the start.
    if (!this.stream.isUp) driver.dispatch({ type: 'socket:lost' });
    return driver.outcome;
  }

  /** Stops everything; undecided bets' promises reject with `ClientClosedError`. */
  async close(): Promise<void> {
    this.closed = true;
    this.resync.close();
    this.stream.close();
    for (const driver of this.drivers.values()) driver.dispose();
  }

  private onBetChange(state: BetState, previous: BetState): void {
    if (isNews(state, previous)) this.events.emit('bet', { state, previous });
    if (isFinalResult(state) && !isFinalResult(previous)) this.events.emit('settled', state);
  }

  private onMessage(m: ServerMessage): void {
    this.events.emit('message', m);
    switch (m.type) {
      case 'hello':
        return this.applyWallet(m);
      case 'bet:confirmed':
        this.drivers.get(m.clientBetId)?.dispatch({ type: 'stream:confirmed', betId: m.betId, multiplier: m.multiplier });
        return this.applyWallet(m);
      case 'bet:rejected':
        return this.drivers.get(m.clientBetId)?.dispatch({ type: 'stream:rejected', betId: m.betId, reason: m.reason });
      case 'bet:settled':
        this.drivers.get(m.clientBetId)?.dispatch({ type: 'stream:settled', betId: m.betId, result: m.result, payout: m.payout });
        return this.applyWallet(m);
      case 'feed:status':
        return this.events.emit('feed', { marketId: m.marketId, status: m.status });
    }
  }

  private applyWallet(w: WalletSnapshot): void {
    if (this.wallet && w.walletSeq <= this.wallet.walletSeq) return;
    this.wallet = { balance: w.balance, walletSeq: w.walletSeq };
    this.events.emit('balance', this.wallet);
  }

  private applyResync(result: ResyncResult, reason: ResyncReason, connection: number): void {
    // "Still pending" is only news if the socket stayed up throughout: then its outcome event will arrive.
    for (const view of result.bets) {
      const bet = toSnapshot(view);
      if (bet && (bet.status !== 'pending' || this.isLive(connection)))
        this.drivers.get(view.clientBetId)?.dispatch({ type: 'sync:view', bet });
    }
    this.applyWallet(result.me);
    this.events.emit('resync', { ...result, reason });
  }

  /** Still up on the connection current when `connection` was read: later outcome events reach us (a gap asks again). */
  private isLive(connection: number): boolean {
    return this.stream.isUp && this.stream.connectionCount === connection;
  }

  private forgetOldBets(): void {
    const max = this.o.maxTrackedBets ?? 10_000;
    for (const [id, driver] of this.drivers) {
      if (this.drivers.size <= max) return;
      if (isTerminal(driver.state.phase) && !driver.state.provisional) this.drivers.delete(id);
    }
  }
}
