import { parseEnv, z } from '@wagerflow/config';
import { migrateLatest } from './migrate.js';

const { DATABASE_URL } = parseEnv(z.object({ DATABASE_URL: z.string().min(1) }));
await migrateLatest(DATABASE_URL);
process.stdout.write('migrations applied\n');
