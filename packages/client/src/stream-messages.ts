import {
  betConfirmedEvent,
  betRejectedEvent,
  betSettledEvent,
  feedStatusEvent,
  type FeedStatusEvent,
  type PlayerEvent,
} from '@wagerflow/contracts';

/**
 * SPEC 4.5 messages as the client receives them: the pub/sub events of packages/contracts without
 * their routing and trace fields (the gateway strips those), plus the per-connection `seq`.
 */
type OnTheWire<E> = E extends unknown ? Omit<E, 'playerId' | 'traceparent' | 'tracestate'> & { seq: number } : never;

export interface HelloMessage {
  type: 'hello';
  seq: number;
  playerId: string;
  balance: number;
  walletSeq: number;
}
export type BetMessage = OnTheWire<Exclude<PlayerEvent, { type: 'balance' }>>;
export type FeedStatusMessage = OnTheWire<FeedStatusEvent>;
export type ServerMessage = HelloMessage | BetMessage | FeedStatusMessage;

// The contracts' schemas, minus what the gateway strips; `seq` is checked separately.
const schemas = {
  'bet:confirmed': betConfirmedEvent.omit({ playerId: true }),
  'bet:rejected': betRejectedEvent.omit({ playerId: true }),
  'bet:settled': betSettledEvent.omit({ playerId: true }),
  'feed:status': feedStatusEvent,
};

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

function parseHello(m: Record<string, unknown>, seq: number): HelloMessage | null {
  if (typeof m.playerId !== 'string' || !isInt(m.balance) || !isInt(m.walletSeq)) return null;
  return { type: 'hello', seq, playerId: m.playerId, balance: m.balance, walletSeq: m.walletSeq };
}

export interface Frame {
  /** null when the frame is not JSON or carries no integer `seq`. */
  seq: number | null;
  /** null for a type this client does not know (newer server) or a malformed body: counted, not applied. */
  message: ServerMessage | null;
}

export function parseFrame(text: string): Frame {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return { seq: null, message: null };
  }
  if (typeof m !== 'object' || m === null) return { seq: null, message: null };
  const raw = m as Record<string, unknown>;
  if (!isInt(raw.seq)) return { seq: null, message: null };
  const seq = raw.seq;
  if (raw.type === 'hello') return { seq, message: parseHello(raw, seq) };
  const schema = schemas[raw.type as keyof typeof schemas] as (typeof schemas)[keyof typeof schemas] | undefined;
  const parsed = schema?.safeParse(raw);
  if (!parsed?.success) return { seq, message: null };
  const { traceparent: _t, tracestate: _s, ...body } = parsed.data;
  return { seq, message: { ...body, seq } };
}
