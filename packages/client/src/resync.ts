import { betPageResponse, meResponse, type BetView } from '@wagerflow/contracts';
import { errorCode } from './bet-responses.js';
import type { ApiResponse, MeView, PlayerClient } from './http-client.js';

export interface ResyncResult {
  bets: BetView[];
  me: MeView;
}

/**
 * How far before the last in-order message a resync reaches back. The gateway accepts signatures whose
 * timestamp lies in [server − 30 s, server + 5 s], so a client whose calls work runs at most 5 s ahead
 * of the server clock that stamps `updatedAt`; 10 s also covers commit-to-publish latency.
 */
export const DEFAULT_RESYNC_MARGIN_MS = 10_000;

const PAGE_LIMIT = 1_000; // SPEC 4.4's maximum

export class ResyncError extends Error {
  constructor(readonly code: string) {
    super(`resync failed: ${code}`);
    this.name = 'ResyncError';
  }
}

/** `GET /v1/bets?since=` (every page) then `GET /v1/me`: the state events may have been missed for. */
export async function fetchResync(http: Pick<PlayerClient, 'request' | 'me'>, since: number, maxPages = 100): Promise<ResyncResult> {
  const bets: BetView[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const target: string = `/v1/bets?since=${Math.max(0, Math.floor(since))}&limit=${PAGE_LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res: ApiResponse<unknown> = await http.request('GET', target);
    if (res.status !== 200) throw new ResyncError(errorCode(res));
    const body = betPageResponse.safeParse(res.body);
    if (!body.success) throw new ResyncError('malformed_response');
    bets.push(...body.data.bets);
    cursor = body.data.nextCursor;
    if (!cursor) break;
  }
  if (cursor) throw new ResyncError('too_many_pages');
  // After the bets: a balance at least as new as every outcome listed.
  const me = await http.me();
  if (me.status !== 200) throw new ResyncError(errorCode(me));
  const parsed = meResponse.safeParse(me.body);
  if (!parsed.success) throw new ResyncError('malformed_response');
  return { bets, me: parsed.data };
}
