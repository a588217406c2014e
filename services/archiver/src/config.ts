import { OPS_PORTS, commonEnv, env, otelEnv, parseEnv, z } from '@wagerflow/config';

const schema = commonEnv.extend(otelEnv.shape).extend({ ARCHIVER_OPS_PORT: env.port(OPS_PORTS.archiver.default) });
export type ArchiverConfig = z.infer<typeof schema>;
export const loadConfig = (e: NodeJS.ProcessEnv = process.env): ArchiverConfig => parseEnv(schema, e);
