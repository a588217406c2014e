import { DEFAULT_GATEWAY_PORT, OPS_PORTS, commonEnv, env, marketEnv, otelEnv, parseEnv, z } from '@wagerflow/config';
import { loyaltyTiersSetting } from '@wagerflow/contracts';

const schema = commonEnv
  .extend(marketEnv.shape)
  .extend(otelEnv.shape)
  .extend({
    GATEWAY_PORT: env.port(DEFAULT_GATEWAY_PORT),
    GATEWAY_OPS_PORT: env.port(OPS_PORTS.gateway.default),
    // Gateway processes behind GATEWAY_PORT (node:cluster; 1: one process, no primary). Each has its own event loop,
    // connections and admission limits; the primary serves the ops port for all of them.
    GATEWAY_PROCESSES: env.int(1, 1, 64),
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
    SECRET_ENCRYPTION_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)'),
    // A refused connection fails at once; this bounds waiting for a pooled connection under a burst.
    PG_ACQUIRE_TIMEOUT_MS: env.int(5_000, 50),
    GATEWAY_PG_POOL_SIZE: env.int(20, 1, 200),
    DEPOSIT_TIMEOUT_MS: env.int(5_000, 100),
    // How long a staff loyalty request (reward, slip close/recover) waits for loyalty's answer before 503 `timeout`.
    LOYALTY_TIMEOUT_MS: env.int(5_000, 100),
    // The tier ladder (read for GET /v1/me's tier); loyalty reads the same variable for accruals.
    LOYALTY_TIERS: loyaltyTiersSetting,
    // Bets accepted close together share one ledger job (and one MULTI), up to this many.
    GATEWAY_BETS_PER_JOB: env.int(100, 1, 1_000),
    // While bets keep coming, how long a job waits for more (a lone bet does not wait): latency traded for CPU a bet.
    GATEWAY_BATCH_WAIT_MS: env.int(20, 0, 1_000),
    // Admission control (issue 15): past any of these the gateway answers 503 `overloaded` at once; 0 turns one off.
    // Requests admitted and not answered yet (every route but health, readiness and admin may be shed).
    GATEWAY_MAX_IN_FLIGHT: env.int(128, 0),
    // The event loop's lag (a 20 ms timer's lateness) at which every sheddable request is refused.
    GATEWAY_MAX_EVENT_LOOP_LAG_MS: env.int(100, 0),
    // Bets only: bets waiting for their MULTI; this gateway's queued bets without an outcome; the oldest one's age.
    GATEWAY_MAX_BETS_AWAITING_MULTI: env.int(2_000, 0),
    GATEWAY_MAX_LEDGER_OUTSTANDING: env.int(2_000, 0),
    GATEWAY_MAX_LEDGER_DELAY_MS: env.int(500, 0),
    // A new bet's idempotency key proved unused by the player's key filter in Redis instead of a Postgres read (off:
    // every bet reads Postgres, as before session 17).
    GATEWAY_KEY_FILTER: env.onOff('on'),
    BULL_BOARD_READ_ONLY: env.onOff('on'),
    WS_MAX_BUFFERED_BYTES: env.int(1_048_576, 1_024),
    WS_PING_INTERVAL_MS: env.int(15_000, 100),
    // Longest the WebSocket fan-out holds the event loop before HTTP requests get their turn; 0: all of it at once.
    WS_EVENT_SLICE_MS: env.int(2, 0, 1_000),
  });
export type GatewayConfig = z.infer<typeof schema>;
export const loadConfig = (e: NodeJS.ProcessEnv = process.env): GatewayConfig => parseEnv(schema, e);
