import { OPS_PORTS, commonEnv, env, marketEnv, otelEnv, parseEnv, z } from '@wagerflow/config';
import { loyaltyTiersSetting } from '@wagerflow/contracts';
import { GAMING_DAY_START_RE, isTimeZone } from './domain/gaming-day.js';

const schema = commonEnv.extend(otelEnv.shape).extend({
  LOYALTY_OPS_PORT: env.port(OPS_PORTS.loyalty.default),
  HOUSE_EDGE_BPS: marketEnv.shape.HOUSE_EDGE_BPS,
  // points = floor(theo × POINTS_PER_UNIT_BPS × tierMultiplierBps / 10⁸); 100: one point per currency unit of theo.
  POINTS_PER_UNIT_BPS: env.int(100, 0, 1_000_000),
  LOYALTY_TIERS: loyaltyTiersSetting,
  SLIP_IDLE_MS: env.int(600_000, 100),
  // The sweep closes idle slips and recovers closed ones left without accrual; one job per period across replicas.
  SLIP_SWEEP_INTERVAL_MS: env.int(5_000, 50),
  // A closed slip still without accrual this long after closing is the recovery job's (a crash between the steps).
  SLIP_RECOVERY_AFTER_MS: env.int(10_000, 0),
  GAMING_TZ: z.string().default('UTC').refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Malta'),
  GAMING_DAY_START: z.string().regex(GAMING_DAY_START_RE, 'must be HH:MM').default('06:00'),
  REWARD_RATE_LIMIT: env.int(10, 1, 1_000_000),
  REWARD_RATE_WINDOW_MS: env.int(60_000, 1_000),
  LOYALTY_CONCURRENCY: env.int(256, 1, 10_000),
  LOYALTY_REQUEST_CONCURRENCY: env.int(32, 1, 1_000),
  LOYALTY_BATCH_MAX: env.int(5_000, 1, 50_000),
  // Plays wait this long for company: accrual is not on the bettor's path, and a batch of many plays costs about what
  // one costs (transaction, statements, BullMQ calls).
  LOYALTY_BATCH_WAIT_MS: env.int(50, 0, 1_000),
  // TEST ONLY: probability of SIGKILL after step 1 (close) commits, before step 2 (accrual).
  LOYALTY_FAULT_KILL_AFTER_CLOSE: env.num(0, 0, 1),
});
export type LoyaltyConfig = z.infer<typeof schema>;
export const loadConfig = (e: NodeJS.ProcessEnv = process.env): LoyaltyConfig => parseEnv(schema, e);
