import { BET_RESULTS, BET_STATUSES } from '@wagerflow/contracts';
import type { BetEvent, BetSnapshot } from './bet-state-machine.js';

/** Pure mapping of HTTP answers (and transport failures) to bet machine events. */

interface Answer {
  status: number;
  body: unknown;
  headers?: { get(name: string): string | null };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The `error.code` of a SPEC 4 error body, else `http_<status>`. */
export function errorCode(a: Answer): string {
  const error = isRecord(a.body) ? a.body.error : undefined;
  return isRecord(error) && typeof error.code === 'string' ? error.code : `http_${a.status}`;
}

/** A 202 body or a bet view, checked just enough to drive the machine. */
export function toSnapshot(body: unknown): BetSnapshot | null {
  if (!isRecord(body) || typeof body.betId !== 'string' || typeof body.multiplier !== 'number') return null;
  const status = BET_STATUSES.find((s) => s === body.status);
  if (!status) return null;
  const result = BET_RESULTS.find((r) => r === body.result) ?? null;
  return {
    betId: body.betId,
    status,
    multiplier: body.multiplier,
    reason: typeof body.reason === 'string' ? body.reason : null,
    result,
    payout: typeof body.payout === 'number' ? body.payout : null,
  };
}

/** Retry-After in ms (delta-seconds; an HTTP date or nothing: 1 s). */
export function retryAfterMs(a: Answer): number {
  const v = a.headers?.get('retry-after');
  const seconds = v !== null && v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : 1;
  return Math.min(seconds, 60) * 1000;
}

/**
 * `POST /v1/bets`: 202/200 → accepted; 4xx → definitive; 5xx → ambiguous (the gateway may have
 * enqueued it before failing), except 503 `market_suspended`, which SPEC 4 returns before anything is
 * recorded and which would otherwise loop lookup → 404 → resubmit while the market stays suspended, and
 * 503 `overloaded`, shed before any check (nothing stored): resent after a jittered backoff (`jitter` in [0, 1)).
 */
export function postAnswerEvent(a: Answer, jitter: number = Math.random()): BetEvent {
  if (a.status === 200 || a.status === 202) {
    const bet = toSnapshot(a.body);
    return bet ? { type: 'post:accepted', bet } : { type: 'post:failed', cause: `malformed_${a.status}` };
  }
  const code = errorCode(a);
  if (a.status >= 400 && a.status < 500) return { type: 'post:rejected', code };
  if (code === 'market_suspended') return { type: 'post:rejected', code };
  if (a.status === 503 && code === 'overloaded') return { type: 'post:shed', retryAfterMs: retryAfterMs(a), jitter };
  return { type: 'post:failed', cause: code };
}

/** `GET /v1/bets?clientBetId=`: 404 says the bet is not stored so far (an earlier POST may still land). */
export function lookupAnswerEvent(a: Answer): BetEvent {
  if (a.status === 404) return { type: 'lookup:notFound' };
  const bet = a.status === 200 ? toSnapshot(a.body) : null;
  return bet ? { type: 'lookup:found', bet } : { type: 'lookup:failed', cause: errorCode(a) };
}

/** A request that threw: our deadline (`AbortSignal.timeout`) or a transport error. */
export function failureCause(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network_error';
}
