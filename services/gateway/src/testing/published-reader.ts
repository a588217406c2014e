import { randomUUID } from 'node:crypto';
import { createPool, type Pool } from '@wagerflow/db';

/**
 * A pool that connects as a fresh login role allowed only an owner's published read interface (SELECT on its views,
 * EXECUTE on its functions): a reader's query that reached a table behind them fails with 42501. The role has a
 * password, so it connects whatever the server's authentication (trust, scram). Test-only.
 */
export async function publishedReader(
  admin: Pick<Pool, 'query'>,
  databaseUrl: string,
  published: { views: readonly string[]; functions: readonly string[] },
): Promise<{ role: string; pool: Pool; drop: () => Promise<void> }> {
  const role = `wf_gateway_reader_${randomUUID().slice(0, 8)}`;
  const password = randomUUID();
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  // Functions are executable by PUBLIC by default: make EXECUTE an explicit grant, as it is for the views.
  await admin.query(`REVOKE EXECUTE ON FUNCTION ${published.functions.join(', ')} FROM PUBLIC`);
  await admin.query(`GRANT SELECT ON ${published.views.join(', ')} TO ${role}`);
  await admin.query(`GRANT EXECUTE ON FUNCTION ${published.functions.join(', ')} TO ${role}`);
  const url = new URL(databaseUrl);
  url.username = role;
  url.password = password;
  const pool = createPool(url.toString(), { max: 2 });
  return {
    role,
    pool,
    drop: async () => {
      await pool.end();
      await admin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    },
  };
}
