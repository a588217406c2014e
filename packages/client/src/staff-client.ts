import type { LoyaltyAccountResponse, RewardBody, RewardResponse, SlipView } from '@wagerflow/contracts';
import { call, pageQuery, type ApiResponse, type HttpOptions, type PageOptions } from './http-client.js';

/**
 * Loyalty staff calls of SPEC 4.7 with a staff member's bearer token (`AdminClient.createStaff`). Rewards and slip
 * recovery need a role with the award right (supervisor, admin). Answers are returned as they come (status, body):
 * 201 a new reward, 200 a repeat (`duplicate: true`), 429 with `Retry-After`, 503 `timeout` (a retry is safe).
 */
export class StaffClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
    readonly options: HttpOptions = {},
  ) {}

  request<T = unknown>(method: string, target: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return call<T>(
      this.baseUrl,
      method,
      target,
      { headers: { ...headers, authorization: `Bearer ${this.token}` }, body: body === undefined ? undefined : JSON.stringify(body) },
      this.options,
    );
  }

  /**
   * `POST /v1/loyalty/rewards`. Without `idempotencyKey` the server keys the reward by the gaming day (the same reward
   * twice that day is one); with it, the key decides (a deliberate second reward uses a new key).
   */
  reward(body: RewardBody, idempotencyKey?: string) {
    return this.request<RewardResponse>(
      'POST',
      '/v1/loyalty/rewards',
      body,
      idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
    );
  }
  /** `GET /v1/loyalty/players/{playerId}`: points, tier and a page of entries, newest first. */
  playerLoyalty(playerId: string, page?: PageOptions) {
    return this.request<LoyaltyAccountResponse>('GET', `/v1/loyalty/players/${encodeURIComponent(playerId)}${pageQuery(page)}`);
  }
  /** `GET /v1/loyalty/players/{playerId}/slips`, newest first. */
  slips(playerId: string) {
    return this.request<SlipView[]>('GET', `/v1/loyalty/players/${encodeURIComponent(playerId)}/slips`);
  }
  closeSlip(slipId: string) {
    return this.request<SlipView>('POST', `/v1/loyalty/slips/${encodeURIComponent(slipId)}/close`);
  }
  recoverSlip(slipId: string) {
    return this.request<SlipView>('POST', `/v1/loyalty/slips/${encodeURIComponent(slipId)}/recover`);
  }
}
