import type { BetView, LoyaltyAccountResponse, MeResponse, PlaceBetBody, StaffRole } from '@wagerflow/contracts';
import type { PlayerCredentials } from './credentials.js';
import { signRequest } from './web-signing.js';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Transport options: an injectable `fetch` (tests simulate lost answers with it) and a per-request deadline. */
export interface HttpOptions {
  fetch?: typeof fetch;
  /** Abort a request (connect, headers and body) after this long; it then rejects with a `TimeoutError`. */
  timeoutMs?: number;
}

/** `GET /v1/me` (SPEC 4.4). */
export type MeView = MeResponse;

/** `?limit=&cursor=` of the loyalty account reads (SPEC 4.7); `cursor` is the previous page's `nextCursor`. */
export interface PageOptions {
  limit?: number;
  cursor?: string;
}

/** The query string of a page (empty for none), encoded once: a signed target is signed exactly as sent. */
export function pageQuery(page: PageOptions = {}): string {
  const q = new URLSearchParams();
  if (page.limit !== undefined) q.set('limit', String(page.limit));
  if (page.cursor !== undefined) q.set('cursor', page.cursor);
  const text = q.toString();
  return text ? `?${text}` : '';
}

export async function call<T>(
  baseUrl: string,
  method: string,
  target: string,
  init: { headers?: Record<string, string>; body?: string },
  opts: HttpOptions = {},
): Promise<ApiResponse<T>> {
  const doFetch = opts.fetch ?? fetch;
  const res = await doFetch(baseUrl + target, {
    method,
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body,
    signal: opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** Signed player calls of SPEC 4. */
export class PlayerClient {
  constructor(
    readonly baseUrl: string,
    readonly creds: PlayerCredentials,
    readonly options: HttpOptions = {},
  ) {}

  /** Signed at call time (WebCrypto): every call, retries included, carries a fresh nonce and timestamp. */
  async request<T = unknown>(method: string, target: string, body?: unknown): Promise<ApiResponse<T>> {
    const raw = body === undefined ? '' : JSON.stringify(body);
    const headers = await signRequest(this.creds, method, target, raw);
    return call<T>(this.baseUrl, method, target, { headers, body: body === undefined ? undefined : raw }, this.options);
  }

  placeBet(bet: PlaceBetBody) {
    return this.request<BetView & { error?: { code: string } }>('POST', '/v1/bets', bet);
  }
  betByClientId(clientBetId: string) {
    return this.request<BetView>('GET', `/v1/bets?clientBetId=${encodeURIComponent(clientBetId)}`);
  }
  me() {
    return this.request<MeView>('GET', '/v1/me');
  }
  /** `GET /v1/me/loyalty`: points, tier and a page of entries, newest first. */
  meLoyalty(page?: PageOptions) {
    return this.request<LoyaltyAccountResponse>('GET', `/v1/me/loyalty${pageQuery(page)}`);
  }
}

/** Operator calls with `ADMIN_TOKEN`. */
export class AdminClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  request<T = unknown>(method: string, target: string, body?: unknown): Promise<ApiResponse<T>> {
    return call<T>(this.baseUrl, method, target, {
      headers: { authorization: `Bearer ${this.token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
  createPlayer(displayName: string) {
    return this.request<{ playerId: string; apiKey: string; apiSecret: string }>('POST', '/v1/admin/players', { displayName });
  }
  /** `POST /v1/admin/staff`: a staff member and its bearer token (shown once), for StaffClient. */
  createStaff(name: string, role: StaffRole) {
    return this.request<{ staffId: string; token: string }>('POST', '/v1/admin/staff', { name, role });
  }
  deposit(playerId: string, amount: number, reference: string) {
    return this.request<{ depositId: string; balance: number }>('POST', `/v1/admin/players/${playerId}/deposits`, { amount, reference });
  }
  tick(marketId: string, price: number, ts?: number) {
    return this.request('POST', `/v1/admin/markets/${marketId}/ticks`, ts === undefined ? { price } : { price, ts });
  }
}
