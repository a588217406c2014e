/** A player's API credentials (SPEC 4.1: `POST /v1/admin/players` answers them). */
export interface PlayerCredentials {
  apiKey: string;
  apiSecret: string;
}
