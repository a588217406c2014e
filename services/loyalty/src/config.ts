import { OPS_PORTS, commonEnv, env, otelEnv, parseEnv, z } from '@wagerflow/config';

const schema = commonEnv.extend(otelEnv.shape).extend({ LOYALTY_OPS_PORT: env.port(OPS_PORTS.loyalty.default) });
export type LoyaltyConfig = z.infer<typeof schema>;
export const loadConfig = (e: NodeJS.ProcessEnv = process.env): LoyaltyConfig => parseEnv(schema, e);
