import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEntries, createStaff, pointsFor, slipsWhen } from './support/loyalty.js';
import { betBody, createPlayer, decided, eventually, farCell } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

const RATE = 10_000;

/**
 * The saga across a crash (SPEC 4.7): loyalty is killed (SIGKILL) right after step 1 (close) commits, before step 2
 * (accrual). The launcher restarts it; the sweep's recovery replays step 2 once; the close job, redelivered, changes
 * nothing; the recover button then answers "no change".
 */
describe('loyalty killed between closing a slip and accruing it', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({
      LOYALTY_FAULT_KILL_AFTER_CLOSE: '1',
      POINTS_PER_UNIT_BPS: String(RATE),
      SLIP_IDLE_MS: '600000',
      SLIP_SWEEP_INTERVAL_MS: '200',
      SLIP_RECOVERY_AFTER_MS: '1000',
      // A killed worker's job comes back within seconds.
      QUEUE_LOCK_DURATION_MS: '2000',
      QUEUE_STALLED_INTERVAL_MS: '1000',
      LOYALTY_TIMEOUT_MS: '2000',
    });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('recovery accrues the slip exactly once', async () => {
    const host = await createStaff(platform.admin, platform.baseUrl, 'host');
    const supervisor = await createStaff(platform.admin, platform.baseUrl, 'supervisor');
    const p = await createPlayer(platform.admin, platform.baseUrl, 10_000);
    const cell = await farCell(platform.baseUrl);
    for (const stake of [1_000, 1_500]) {
      const placed = await p.client.placeBet(betBody(cell, stake));
      expect(placed.status).toBe(202);
      expect((await decided(p, placed.body.clientBetId)).status).toBe('confirmed');
    }
    const [open] = await slipsWhen(host, p.playerId, (s) => s[0]?.wagered === 2_500, 'the slip');
    const restarts = platform.restarts('loyalty');

    // The process dies before answering: the gateway gives up after LOYALTY_TIMEOUT_MS (a retry is safe).
    const close = await host.closeSlip(open!.slipId);
    expect(close.status).toBe(503);
    await eventually(async () => (platform.restarts('loyalty') > restarts ? true : undefined), 30_000, 'loyalty to be restarted');

    const [done] = await slipsWhen(host, p.playerId, (s) => s[0]?.accrual === 'done', 'the recovery to accrue the slip', 60_000);
    expect(done).toMatchObject({ status: 'closed', wagered: 2_500, points: pointsFor(2_500, RATE) });
    // The redelivered close job and the recover button change nothing; one accrual entry, points once.
    const again = await host.closeSlip(open!.slipId);
    expect([again.status, again.body]).toEqual([200, done]);
    expect((await supervisor.recoverSlip(open!.slipId)).body).toEqual(done);
    await new Promise((r) => setTimeout(r, 1_500)); // a few more sweeps
    const entries = await allEntries(host, p.playerId);
    expect(entries.map((e) => [e.kind, e.points])).toEqual([['accrual', pointsFor(2_500, RATE)]]);
    expect((await p.client.me()).body.loyalty.points).toBe(pointsFor(2_500, RATE));
    const recon = await platform.admin.request<{ loyalty: { drift: number } }>('GET', '/v1/admin/reconciliation');
    expect(recon.body.loyalty.drift).toBe(0);
  });
});
