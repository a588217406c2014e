import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiRequest } from './http-types.js';
import { SIGNING_HEADERS, type StaffRole } from '@wagerflow/contracts';
import type { SecretBox } from '../domain/secret-box.js';
import { verifySignedParts } from '../domain/signed-request.js';
import type { PlayersRepository, StaffRepository } from '../repositories/players.repository.js';
import type { RedisState } from '../repositories/redis-state.js';
import { ApiError } from './api-error.js';

export type Principal = { kind: 'admin' } | { kind: 'staff'; staffId: string; role: string } | { kind: 'player'; playerId: string };

export interface AuthDeps {
  adminToken: string;
  players: PlayersRepository;
  staff: StaffRepository;
  redis: RedisState;
  secretBox: SecretBox;
}

const CREDENTIAL_CACHE_MAX = 100_000;

/** Staff roles with the award right (SPEC 4.7: manual rewards and slip recovery); a host has only the staff right. */
export const AWARD_ROLES: readonly string[] = ['supervisor', 'admin'] satisfies StaffRole[];

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function header(req: ApiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function bearerOrBasicPassword(req: ApiRequest): string | undefined {
  const auth = header(req, 'authorization');
  if (!auth) return undefined;
  const [scheme, value] = auth.split(' ', 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i >= 0 ? decoded.slice(i + 1) : undefined;
  }
  return undefined;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

export function createAuth(deps: AuthDeps) {
  // API credentials never change (rotation is not built yet): decrypted secrets are cached in memory.
  const credentials = new Map<string, { playerId: string; secret: string }>();
  const staffByHash = new Map<string, { staffId: string; role: string }>();

  async function credentialsFor(apiKey: string) {
    const hit = credentials.get(apiKey);
    if (hit) return hit;
    const row = await deps.players.findByApiKey(apiKey);
    if (!row) return null;
    const value = { playerId: row.playerId, secret: deps.secretBox.open(row.apiSecretSealed) };
    if (credentials.size >= CREDENTIAL_CACHE_MAX) credentials.clear();
    credentials.set(apiKey, value);
    return value;
  }

  /** Bearer token → admin or staff; undefined when there is none or it is unknown. */
  async function bearerPrincipal(req: ApiRequest): Promise<Principal | undefined> {
    const token = bearerOrBasicPassword(req);
    if (!token) return undefined;
    if (safeEqual(token, deps.adminToken)) return { kind: 'admin' };
    const hash = hashToken(token);
    // Staff tokens and roles never change (revocation is not built yet, SPEC 8): known ones are cached like API
    // secrets; unknown ones are looked up every time, so a new staff member works at once.
    const staff = staffByHash.get(hash) ?? (await deps.staff.findByTokenHash(hash));
    if (staff && !staffByHash.has(hash)) {
      if (staffByHash.size >= CREDENTIAL_CACHE_MAX) staffByHash.clear();
      staffByHash.set(hash, staff);
    }
    return staff ? { kind: 'staff', ...staff } : undefined;
  }

  /**
   * SPEC 4.2, in order; the nonce is spent once signature and timestamp verify. `alongside` (read-only work for the
   * verified player) starts in the same event-loop turn as the nonce's script, so the connection's auto-pipelining
   * sends their commands in one write; its result (or error) counts only when the nonce was fresh: a replay is 401
   * whatever else is wrong with it.
   */
  async function verifyPlayer<T = undefined>(
    req: ApiRequest,
    body: Buffer,
    alongside?: (playerId: string) => Promise<T>,
  ): Promise<{ kind: 'player'; playerId: string; signedAt: number; alongside: T }> {
    const apiKey = header(req, SIGNING_HEADERS.apiKey);
    const creds = apiKey ? await credentialsFor(apiKey) : null;
    if (!creds) throw new ApiError('unknown_api_key', 'unknown or missing API key');
    const ts = header(req, SIGNING_HEADERS.timestamp);
    const verdict = verifySignedParts(
      creds.secret,
      {
        ts,
        nonce: header(req, SIGNING_HEADERS.nonce),
        signature: header(req, SIGNING_HEADERS.signature),
        method: req.method,
        target: req.originalUrl,
        body,
      },
      Date.now(),
    );
    if (verdict !== 'ok')
      throw new ApiError(verdict, verdict === 'stale_timestamp' ? 'timestamp outside the accepted window' : 'signature invalid');
    const extra = alongside ? settle(alongside(creds.playerId)) : undefined;
    if (!(await deps.redis.spendNonce(header(req, SIGNING_HEADERS.nonce)!))) {
      throw new ApiError('replayed_nonce', 'nonce already used');
    }
    const outcome = await extra;
    if (outcome && !outcome.ok) throw outcome.error;
    return {
      kind: 'player',
      playerId: creds.playerId,
      signedAt: Number(ts), // verified above
      alongside: outcome?.value as T,
    };
  }

  return {
    verifyPlayer,
    verifyStreamQuery: async (q: { apiKey?: string; ts?: string; nonce?: string; sig?: string }): Promise<Principal> => {
      const creds = q.apiKey ? await credentialsFor(q.apiKey) : null;
      if (!creds) throw new ApiError('unknown_api_key', 'unknown or missing API key');
      const verdict = verifySignedParts(
        creds.secret,
        { ts: q.ts, nonce: q.nonce, signature: q.sig, method: 'GET', target: '/v1/stream', body: Buffer.alloc(0) },
        Date.now(),
      );
      if (verdict !== 'ok') throw new ApiError(verdict, 'stream signature rejected');
      if (!(await deps.redis.spendNonce(q.nonce!))) throw new ApiError('replayed_nonce', 'nonce already used');
      return { kind: 'player', playerId: creds.playerId };
    },
    /**
     * Player routes: signed requests only; a valid admin/staff token here is 403, anything else 401. `alongside`: see
     * verifyPlayer.
     */
    async player<T = undefined>(
      req: ApiRequest,
      body: Buffer,
      alongside?: (playerId: string) => Promise<T>,
    ): Promise<{ playerId: string; signedAt: number; alongside: T }> {
      if (!header(req, SIGNING_HEADERS.apiKey) && (await bearerPrincipal(req)))
        throw new ApiError('forbidden', 'player route: sign the request as a player');
      return verifyPlayer(req, body, alongside);
    },
    /** `/v1/admin/*`: ADMIN_TOKEN only; staff tokens and players are 403. */
    async admin(req: ApiRequest, body: Buffer): Promise<{ kind: 'admin' }> {
      const p = await bearerPrincipal(req);
      if (p?.kind === 'admin') return p;
      if (p) throw new ApiError('forbidden', 'operator credential required');
      if (header(req, SIGNING_HEADERS.apiKey)) {
        await verifyPlayer(req, body);
        throw new ApiError('forbidden', 'operator credential required');
      }
      throw new ApiError('unauthorized', 'missing or unknown credentials');
    },
    /**
     * Loyalty staff routes (SPEC 4.1, 4.7): a staff token only, with the award right when `right` is 'award'.
     * ADMIN_TOKEN is 403 (it names no person, and rewards record who granted them); a signed player request is
     * verified (its 401s), then 403; no or unknown credentials 401.
     */
    async staff(req: ApiRequest, body: Buffer, right: 'any' | 'award'): Promise<{ kind: 'staff'; staffId: string; role: string }> {
      const p = await bearerPrincipal(req);
      if (p?.kind === 'staff') {
        if (right === 'award' && !AWARD_ROLES.includes(p.role)) throw new ApiError('forbidden', `a ${p.role} may not award points`);
        return p;
      }
      if (p) throw new ApiError('forbidden', 'a staff token is required: the admin token names no person');
      if (header(req, SIGNING_HEADERS.apiKey)) {
        await verifyPlayer(req, body);
        throw new ApiError('forbidden', 'staff credential required');
      }
      throw new ApiError('unauthorized', 'missing or unknown credentials');
    },
    /** Bull Board: the admin token as Bearer or as the Basic password. */
    async adminOnly(req: ApiRequest): Promise<boolean> {
      const p = await bearerPrincipal(req);
      return p?.kind === 'admin';
    },
  };
}
export type Auth = ReturnType<typeof createAuth>;
