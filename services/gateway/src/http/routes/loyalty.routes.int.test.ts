import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdminClient, PlayerClient, StaffClient, signedHeaders, type ApiResponse, type PlayerCredentials } from '@wagerflow/client';
import type { LoyaltyAccountResponse, LoyaltyReply, SlipView } from '@wagerflow/contracts';
import { createPool, type Pool } from '@wagerflow/db';
import { createTestDatabase, freePort, testRedisUrl, uniquePrefix, type TestDatabase } from '@wagerflow/testing';
import { loadConfig as gatewayConfig } from '../../config.js';
import { createService as createGateway } from '../../service.js';
import { startInProcessStack, type InProcessStack } from '../../testing/in-process-stack.js';
import { startLoyaltyResponder, type LoyaltyRequestJob, type LoyaltyResponder } from '../../testing/loyalty-responder.js';

/**
 * SPEC 4.7 through the real gateway (with the ledger and feed-monitor, on real Postgres and Redis). Loyalty is played
 * by a BullMQ worker that answers the request jobs with scripted replies, and by rows this test writes into loyalty's
 * tables for the reads: what is under test is the gateway's side (auth, validation, the job it queues, the reply it
 * waits for and how it answers, the views it reads).
 */
const ADMIN_TOKEN = 'admin-token-for-loyalty-tests';
const SLIP = '0b7e4c9a-1d52-4c0e-9a51-0f7f1bb5e2c1';
const slipView: SlipView = { slipId: SLIP, status: 'closed', wagered: 5_000, openedAt: 1, closedAt: 2, points: null, accrual: 'pending' };

let db: TestDatabase;
let stack: InProcessStack;
let loyaltyDb: Pool;
let responder: LoyaltyResponder;
let admin: AdminClient;
let player: PlayerCredentials & { playerId: string };
let staff: { host: StaffClient; supervisor: StaffClient; admin: StaffClient; ids: Record<string, string> };
/** What the stand-in loyalty answers next. */
let answer: (r: LoyaltyRequestJob) => LoyaltyReply;

const codeOf = (r: ApiResponse<unknown>) => (r.body as { error?: { code?: string } } | null)?.error?.code;
const rewardReply = (r: LoyaltyRequestJob, duplicate = false): LoyaltyReply => {
  if (r.name !== 'reward') throw new Error(`expected a reward, got ${r.name}`);
  return {
    kind: 'reward',
    duplicate,
    entry: {
      entryId: 'e-1',
      playerId: r.data.playerId,
      kind: 'manual',
      points: r.data.points,
      balanceBefore: 0,
      balanceAfter: r.data.points,
      staffId: r.data.staffId,
      ratingSlipId: null,
      reason: r.data.reason,
      correlationId: r.data.correlationId,
      createdAt: r.data.requestedAt,
    },
  };
};
const refuse = (code: Extract<LoyaltyReply, { kind: 'error' }>['code'], retryAfterS?: number): LoyaltyReply => ({
  kind: 'error',
  code,
  message: `loyalty says ${code}`,
  ...(retryAfterS ? { retryAfterS } : {}),
});

beforeAll(async () => {
  db = await createTestDatabase();
  const prefix = uniquePrefix('loy');
  stack = await startInProcessStack({ databaseUrl: db.url, redisUrl: testRedisUrl(), prefix, adminToken: ADMIN_TOKEN });
  responder = await startLoyaltyResponder({ redisUrl: testRedisUrl(), prefix, answer: (r) => answer(r) });
  loyaltyDb = createPool(db.url, { max: 2 });
  admin = new AdminClient(stack.base, ADMIN_TOKEN);
  player = (await admin.createPlayer('loyal')).body;
  const ids: Record<string, string> = {};
  const client = async (role: 'host' | 'supervisor' | 'admin') => {
    const { body } = await admin.createStaff(`sam-${role}`, role);
    ids[role] = body.staffId;
    return new StaffClient(stack.base, body.token);
  };
  staff = { host: await client('host'), supervisor: await client('supervisor'), admin: await client('admin'), ids };
});
afterAll(async () => {
  await responder?.close();
  await stack?.stop();
  await loyaltyDb?.end();
  await db?.drop();
});
beforeEach(() => {
  answer = (r) => (r.name === 'reward' ? rewardReply(r) : { kind: 'slip', slip: { ...slipView, slipId: r.data.slipId }, changed: true });
  responder.seen.length = 0;
});

describe('loyalty staff routes: who may call them (SPEC 4.1)', () => {
  const reward = { playerId: 'p', points: 5, reason: 'r' };
  /** Every staff route, called with `headers` (and a valid body where it takes one). */
  const routes = (headers: Record<string, string>) => {
    const call = (method: string, target: string, body?: unknown) => {
      const raw = body === undefined ? '' : JSON.stringify(body);
      const sign = headers.sign === 'player' ? signedHeaders(player, method, target, raw) : headers;
      return fetch(stack.base + target, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...sign },
        ...(body === undefined ? {} : { body: raw }),
      }).then(async (r) => ({ status: r.status, code: ((await r.json()) as { error?: { code: string } }).error?.code }));
    };
    return {
      reward: () => call('POST', '/v1/loyalty/rewards', reward),
      account: () => call('GET', `/v1/loyalty/players/${player.playerId}`),
      slips: () => call('GET', `/v1/loyalty/players/${player.playerId}/slips`),
      close: () => call('POST', `/v1/loyalty/slips/${SLIP}/close`),
      recover: () => call('POST', `/v1/loyalty/slips/${SLIP}/recover`),
    };
  };

  it('no or unknown credentials 401 unauthorized; ADMIN_TOKEN 403 (it names no person); a signed player verified, then 403', async () => {
    const cases: [Record<string, string>, number, string][] = [
      [{}, 401, 'unauthorized'],
      [{ authorization: 'Bearer st_not-a-token' }, 401, 'unauthorized'],
      [{ authorization: `Bearer ${ADMIN_TOKEN}` }, 403, 'forbidden'],
      [{ sign: 'player' }, 403, 'forbidden'],
      [
        { 'x-api-key': player.apiKey, 'x-timestamp': String(Date.now()), 'x-nonce': randomUUID(), 'x-signature': '0'.repeat(64) },
        401,
        'invalid_signature',
      ],
    ];
    for (const [headers, status, code] of cases) {
      for (const [name, send] of Object.entries(routes(headers))) {
        expect(await send(), `${name} ${JSON.stringify(headers)}`).toEqual({ status, code });
      }
    }
    expect(responder.seen).toEqual([]);
  });

  it('a host may read and close slips, not reward or recover (403); supervisors and admins may do all', async () => {
    expect((await staff.host.reward({ playerId: player.playerId, points: 5, reason: 'r' })).status).toBe(403);
    expect((await staff.host.recoverSlip(SLIP)).status).toBe(403);
    expect(responder.seen).toEqual([]);
    expect((await staff.host.playerLoyalty(player.playerId)).status).toBe(200);
    expect((await staff.host.slips(player.playerId)).status).toBe(200);
    expect((await staff.host.closeSlip(SLIP)).status).toBe(200);
    for (const who of [staff.supervisor, staff.admin]) {
      expect((await who.reward({ playerId: player.playerId, points: 5, reason: 'r' })).status).toBe(201);
      expect((await who.recoverSlip(SLIP)).status).toBe(200);
    }
  });

  it('the player route takes signed requests only: a staff token there is 403', async () => {
    const r = await fetch(`${stack.base}/v1/me/loyalty`, { headers: { authorization: `Bearer ${staff.admin.token}` } });
    expect([r.status, ((await r.json()) as { error: { code: string } }).error.code]).toEqual([403, 'forbidden']);
    expect((await new PlayerClient(stack.base, player).meLoyalty()).status).toBe(200);
  });
});

describe('POST /v1/loyalty/rewards', () => {
  it('400 for an invalid body or Idempotency-Key (415 for a non-JSON body), before any job', async () => {
    const valid = { playerId: player.playerId, points: 5, reason: 'r' };
    const bodies: unknown[] = [
      { ...valid, points: 0 },
      { ...valid, points: 1.5 },
      { ...valid, points: '5' },
      { ...valid, reason: '   ' },
      { ...valid, reason: '' },
      { playerId: player.playerId, points: 5 },
      { ...valid, extra: true },
    ];
    for (const body of bodies) {
      const r = await staff.supervisor.request('POST', '/v1/loyalty/rewards', body);
      expect([r.status, codeOf(r)], JSON.stringify(body)).toEqual([400, 'validation_failed']);
    }
    for (const key of ['has space', 'x'.repeat(201)]) {
      const r = await staff.supervisor.reward(valid, key);
      expect([r.status, codeOf(r)]).toEqual([400, 'validation_failed']);
      expect((r.body as unknown as { error: { details: { path: string }[] } }).error.details).toEqual([
        expect.objectContaining({ path: 'Idempotency-Key' }),
      ]);
    }
    const text = await fetch(`${stack.base}/v1/loyalty/rewards`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff.supervisor.token}`, 'content-type': 'text/plain' },
      body: JSON.stringify(valid),
    });
    expect(text.status).toBe(415);
    expect(responder.seen).toEqual([]);
  });

  it("queues a reward job with the staff member, the key, the request's correlation id, and answers 201 / 200 duplicate", async () => {
    const before = Date.now();
    const created = await staff.supervisor.reward({ playerId: player.playerId, points: 250, reason: 'Birthday  gift' }, 'gift-1');
    expect(created.status).toBe(201);
    const [job] = responder.seen;
    expect(job).toMatchObject({
      name: 'reward',
      jobId: expect.stringMatching(/^reward-[0-9a-f-]{36}$/),
      data: {
        playerId: player.playerId,
        playerKnown: true,
        staffId: staff.ids.supervisor,
        points: 250,
        reason: 'Birthday  gift',
        idempotencyKey: 'gift-1',
        correlationId: created.headers.get('x-request-id'),
      },
    });
    expect(job!.name === 'reward' && job!.data.requestedAt).toBeGreaterThanOrEqual(before);
    expect(created.body).toEqual({
      entryId: 'e-1',
      playerId: player.playerId,
      points: 250,
      reason: 'Birthday  gift',
      staffId: staff.ids.supervisor,
      balanceBefore: 0,
      balanceAfter: 250,
      correlationId: created.headers.get('x-request-id'),
      duplicate: false,
    });

    answer = (r) => rewardReply(r, true);
    const repeat = await staff.supervisor.reward({ playerId: player.playerId, points: 250, reason: 'Birthday  gift' });
    expect(repeat.status).toBe(200);
    expect(repeat.body.duplicate).toBe(true);
    expect(responder.seen[1]).toMatchObject({ name: 'reward', data: { idempotencyKey: null } });
  });

  it("an unknown player is loyalty's to answer after its replay check: the job says playerKnown false, 404", async () => {
    answer = (r) => (r.name === 'reward' && !r.data.playerKnown ? refuse('unknown_player') : rewardReply(r));
    const r = await staff.admin.reward({ playerId: 'nobody', points: 5, reason: 'r' });
    expect([r.status, codeOf(r)]).toEqual([404, 'unknown_player']);
    expect(responder.seen[0]).toMatchObject({ data: { playerId: 'nobody', playerKnown: false } });
  });

  it("loyalty's refusals: 422 idempotency_key_reused and points_exceed_max, 429 rate_limited with Retry-After", async () => {
    for (const code of ['idempotency_key_reused', 'points_exceed_max'] as const) {
      answer = () => refuse(code);
      const r = await staff.admin.reward({ playerId: player.playerId, points: 10_001, reason: 'r' });
      expect([r.status, codeOf(r)]).toEqual([422, code]);
    }
    answer = () => refuse('rate_limited', 17);
    const limited = await staff.admin.reward({ playerId: player.playerId, points: 5, reason: 'r' });
    expect([limited.status, codeOf(limited), limited.headers.get('retry-after')]).toEqual([429, 'rate_limited', '17']);
  });

  it('an answer the route cannot have is a 500, not passed on', async () => {
    answer = () => refuse('slip_open');
    const r = await staff.admin.reward({ playerId: player.playerId, points: 5, reason: 'r' });
    expect([r.status, codeOf(r)]).toEqual([500, 'internal_error']);
  });

  it('no answer from loyalty within LOYALTY_TIMEOUT_MS: 503 timeout', async () => {
    // A replica on a prefix no loyalty worker serves.
    const [port, opsPort] = await Promise.all([freePort(), freePort()]);
    const lonely = await createGateway(
      gatewayConfig({
        ...stack.env,
        REDIS_PREFIX: uniquePrefix('noloyalty'),
        LOYALTY_TIMEOUT_MS: '300',
        GATEWAY_PORT: String(port),
        GATEWAY_OPS_PORT: String(opsPort),
      }),
    );
    await lonely.start();
    stack.onStop(() => lonely.shutdown.shutdown('test over'));
    const alone = new StaffClient(`http://127.0.0.1:${port}`, staff.admin.token);
    const started = Date.now();
    for (const r of [await alone.reward({ playerId: player.playerId, points: 5, reason: 'r' }), await alone.closeSlip(SLIP)]) {
      expect([r.status, codeOf(r)]).toEqual([503, 'timeout']);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });
});

describe('POST /v1/loyalty/slips/{slipId}/close and /recover', () => {
  it('queue slip-close / slip-recover jobs and answer 200 with the slip, changed or not', async () => {
    const closed = await staff.host.closeSlip(SLIP);
    expect([closed.status, closed.body]).toEqual([200, slipView]);
    answer = () => ({ kind: 'slip', slip: { ...slipView, points: 75, accrual: 'done' }, changed: false });
    const recovered = await staff.supervisor.recoverSlip(SLIP);
    expect([recovered.status, recovered.body]).toEqual([200, { ...slipView, points: 75, accrual: 'done' }]);
    expect(responder.seen).toEqual([
      {
        name: 'slip-close',
        jobId: expect.stringMatching(/^slip-close-/),
        data: { slipId: SLIP, staffId: staff.ids.host, correlationId: closed.headers.get('x-request-id') },
      },
      {
        name: 'slip-recover',
        jobId: expect.stringMatching(/^slip-recover-/),
        data: { slipId: SLIP, staffId: staff.ids.supervisor, correlationId: expect.any(String) },
      },
    ]);
  });

  it('404 unknown_slip (an id that is no UUID without a job), 422 slip_open for recovery', async () => {
    const notAnId = await staff.host.closeSlip('not-a-slip');
    expect([notAnId.status, codeOf(notAnId)]).toEqual([404, 'unknown_slip']);
    expect(responder.seen).toEqual([]);
    answer = () => refuse('unknown_slip');
    for (const r of [await staff.host.closeSlip(SLIP), await staff.admin.recoverSlip(SLIP)])
      expect([r.status, codeOf(r)]).toEqual([404, 'unknown_slip']);
    answer = () => refuse('slip_open');
    const open = await staff.admin.recoverSlip(SLIP);
    expect([open.status, codeOf(open)]).toEqual([422, 'slip_open']);
    // Closing a slip cannot answer slip_open: a loyalty that says so disagrees with the contract.
    expect((await staff.host.closeSlip(SLIP)).status).toBe(500);
  });
});

describe('the reads: loyalty views through the gateway', () => {
  let reader: PlayerCredentials & { playerId: string };
  const slipIds = [randomUUID(), randomUUID()];

  beforeAll(async () => {
    reader = (await admin.createPlayer('reader')).body;
    // Loyalty's rows, as loyalty would have written them: lifetime 5 200 points (gold by the default ladder), 300 now.
    await loyaltyDb.query(
      'INSERT INTO loyalty_accounts (player_id, points, lifetime_points, seq, created_at, updated_at) VALUES ($1, 300, 5200, 5, 0, 0)',
      [reader.playerId],
    );
    // An older closed slip not accrued yet, and a newer open one.
    const slip = `INSERT INTO rating_slips (id, player_id, status, wagered, tier, tier_multiplier_bps, opened_at, last_play_at, closed_at,
      correlation_id) VALUES ($1, $2, $3, 100, 'gold', 15000, $4, $4, $5, 'c')`;
    await loyaltyDb.query(slip, [slipIds[0], reader.playerId, 'closed', 1_000, 1_010]);
    await loyaltyDb.query(slip, [slipIds[1], reader.playerId, 'open', 2_000, null]);
    for (let seq = 1; seq <= 5; seq++) {
      await loyaltyDb.query(
        `INSERT INTO loyalty_entries (id, player_id, seq, kind, points, balance_before, balance_after, staff_id, reason, correlation_id,
           idempotency_key, created_at)
         VALUES ($1, $2, $3, 'manual', 60, $4, $5, 'st', 'r', 'c', $6, $3)`,
        [randomUUID(), reader.playerId, seq, (seq - 1) * 60, seq * 60, `k-${reader.playerId}-${seq}`],
      );
    }
  });

  it('GET /v1/loyalty/players/{id}: points, tier from lifetime points, entries newest first, paged by cursor', async () => {
    const seen: number[] = [];
    let cursor: string | null | undefined;
    do {
      const r: ApiResponse<LoyaltyAccountResponse> = await staff.host.playerLoyalty(reader.playerId, {
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ playerId: reader.playerId, points: 300, tier: 'gold' });
      expect(r.body.entries.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.entries.map((e) => e.balanceAfter));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([300, 240, 180, 120, 60]);
    const all = await staff.host.playerLoyalty(reader.playerId);
    expect(all.body.entries).toHaveLength(5);
    expect(all.body.nextCursor).toBeNull();
  });

  it('a known player without loyalty activity: 0 points, the lowest tier, no entries; an unknown player 404', async () => {
    const fresh = (await admin.createPlayer('fresh')).body;
    expect((await staff.host.playerLoyalty(fresh.playerId)).body).toEqual({
      playerId: fresh.playerId,
      points: 0,
      tier: 'bronze',
      entries: [],
      nextCursor: null,
    });
    expect((await staff.host.slips(fresh.playerId)).body).toEqual([]);
    for (const r of [await staff.host.playerLoyalty('nobody'), await staff.host.slips('nobody')]) {
      expect([r.status, codeOf(r)]).toEqual([404, 'unknown_player']);
    }
  });

  it('400 for a bad limit, a cursor it did not make, or an unknown parameter (before 404)', async () => {
    for (const q of ['?limit=0', '?limit=1001', '?limit=abc', '?cursor=bm9wZQ', '?cursor=', '?other=1']) {
      for (const id of [reader.playerId, 'nobody']) {
        const r = await staff.host.request('GET', `/v1/loyalty/players/${id}${q}`);
        expect([r.status, codeOf(r)], `${id}${q}`).toEqual([400, 'validation_failed']);
      }
      const me = await new PlayerClient(stack.base, reader).request('GET', `/v1/me/loyalty${q}`);
      expect([me.status, codeOf(me)], q).toEqual([400, 'validation_failed']);
    }
  });

  it('GET /v1/me/loyalty and GET /v1/me show the signed player their own points and tier', async () => {
    const client = new PlayerClient(stack.base, reader);
    const page = await client.meLoyalty({ limit: 3 });
    expect(page.body).toMatchObject({ playerId: reader.playerId, points: 300, tier: 'gold' });
    expect(page.body.entries.map((e) => e.balanceAfter)).toEqual([300, 240, 180]);
    const next = await client.meLoyalty({ limit: 3, cursor: page.body.nextCursor! });
    expect(next.body.entries.map((e) => e.balanceAfter)).toEqual([120, 60]);
    expect(next.body.nextCursor).toBeNull();
    expect((await client.me()).body.loyalty).toEqual({ points: 300, tier: 'gold' });
    expect((await new PlayerClient(stack.base, player).me()).body.loyalty).toEqual({ points: 0, tier: 'bronze' });
  });

  it('GET /v1/loyalty/players/{id}/slips: newest first', async () => {
    const r = await staff.host.slips(reader.playerId);
    expect(r.body).toEqual([
      { slipId: slipIds[1], status: 'open', wagered: 100, openedAt: 2_000, closedAt: null, points: null, accrual: 'none' },
      { slipId: slipIds[0], status: 'closed', wagered: 100, openedAt: 1_000, closedAt: 1_010, points: null, accrual: 'pending' },
    ]);
  });

  it("GET /v1/admin/reconciliation: loyalty's drift check", async () => {
    const recon = async () =>
      (await admin.request<{ loyalty: { checked: number; drift: number } }>('GET', '/v1/admin/reconciliation')).body.loyalty;
    expect(await recon()).toEqual({ checked: 1, drift: 0 });
    await loyaltyDb.query('UPDATE loyalty_accounts SET points = points + 1 WHERE player_id = $1', [reader.playerId]);
    try {
      expect(await recon()).toEqual({ checked: 1, drift: 1 });
    } finally {
      await loyaltyDb.query('UPDATE loyalty_accounts SET points = points - 1 WHERE player_id = $1', [reader.playerId]);
    }
  });
});
