import type { Pool } from '@wagerflow/db';

export interface PlayerCredentials {
  playerId: string;
  apiSecretSealed: string;
}

const KNOWN_PLAYERS_MAX = 100_000;

export function playersRepository(pool: Pool) {
  const known = new Set<string>();
  return {
    async create(p: { id: string; displayName: string; apiKey: string; apiSecretSealed: string; now: number }): Promise<void> {
      await pool.query('INSERT INTO players (id, display_name, api_key, api_secret_enc, created_at) VALUES ($1, $2, $3, $4, $5)', [
        p.id,
        p.displayName,
        p.apiKey,
        p.apiSecretSealed,
        p.now,
      ]);
    },
    async findByApiKey(apiKey: string): Promise<PlayerCredentials | null> {
      const { rows } = await pool.query<{ id: string; api_secret_enc: string }>(
        'SELECT id, api_secret_enc FROM players WHERE api_key = $1',
        [apiKey],
      );
      const r = rows[0];
      return r ? { playerId: r.id, apiSecretSealed: r.api_secret_enc } : null;
    },
    /** Players are never deleted: a player seen once is known for good (bounded memory), saving a query per reward. */
    async exists(playerId: string): Promise<boolean> {
      if (known.has(playerId)) return true;
      const { rowCount } = await pool.query('SELECT 1 FROM players WHERE id = $1', [playerId]);
      if ((rowCount ?? 0) === 0) return false;
      if (known.size >= KNOWN_PLAYERS_MAX) known.clear();
      known.add(playerId);
      return true;
    },
  };
}
export type PlayersRepository = ReturnType<typeof playersRepository>;

export function staffRepository(pool: Pool) {
  return {
    async create(s: { id: string; name: string; role: string; tokenHash: string; now: number }): Promise<void> {
      await pool.query('INSERT INTO staff (id, name, role, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)', [
        s.id,
        s.name,
        s.role,
        s.tokenHash,
        s.now,
      ]);
    },
    async findByTokenHash(hash: string): Promise<{ staffId: string; role: string } | null> {
      const { rows } = await pool.query<{ id: string; role: string }>('SELECT id, role FROM staff WHERE token_hash = $1', [hash]);
      const r = rows[0];
      return r ? { staffId: r.id, role: r.role } : null;
    },
  };
}
export type StaffRepository = ReturnType<typeof staffRepository>;
