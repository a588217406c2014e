import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BetView } from '@wagerflow/contracts';
import type { Platform } from '../scripts/platform.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';
import { betBody, createPlayer, decided, farCell, type TestPlayer } from './support/players.js';

const CAP = 5_000;
const PLAYERS = 40;
const BETS_PER_PLAYER = 5;

let tp: TestPlatform;
let secondLedger: Platform;

/** Bets the ledger process behind `opsUrl` has decided (its own counter). */
async function betsDecidedBy(opsUrl: string): Promise<number> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('wagerflow_ledger_bets_total'));
  return line ? Number(line.split(' ').pop()) : 0;
}

const liability = (b: BetView) => Math.floor((b.stake * Math.round(b.multiplier * 10_000)) / 10_000) - b.stake;

beforeAll(async () => {
  // 200 bets at once: past the gateway's admission limits, which would shed some (503 overloaded); this file is about
  // the ledger's cap, so admission control is off (in flight, loop lag, ledger delay).
  tp = await startTestPlatform({
    MAX_CELL_LIABILITY: String(CAP),
    GATEWAY_MAX_IN_FLIGHT: '0',
    GATEWAY_MAX_LEDGER_DELAY_MS: '0',
    GATEWAY_MAX_EVENT_LOOP_LAG_MS: '0',
  });
  secondLedger = await tp.startReplica('bet-ledger');
});
afterAll(async () => {
  await tp?.stop();
});

describe('cell liability cap across two bet-ledger processes', () => {
  it('concurrent bets of many players on one cell: confirmed liability stays under the cap, and every rejection was needed', async () => {
    const players: TestPlayer[] = [];
    for (let i = 0; i < PLAYERS; i++) players.push(await createPlayer(tp.admin, tp.baseUrl, 100_000));
    const cell = await farCell(tp.baseUrl);
    // About 100 of liability a bet: the cap fits ~50 of the 200 bets, so the cap fills while both ledgers decide.
    const stake = Math.max(10, Math.round(100 / (cell.multiplier - 1)));
    const placed = await Promise.all(
      players.flatMap((p) =>
        Array.from({ length: BETS_PER_PLAYER }, async () => {
          const clientBetId = randomUUID();
          const res = await p.client.placeBet(betBody(cell, stake, clientBetId));
          return { p, clientBetId, res };
        }),
      ),
    );
    const accepted = placed.filter((x) => x.res.status === 202);
    // The gateway may answer 422 limit_exceeded early from its cache; the ledger's decision is the one that counts.
    for (const x of placed) expect([202, 422], JSON.stringify(x.res.body)).toContain(x.res.status);
    const outcomes = await Promise.all(accepted.map(({ p, clientBetId }) => decided(p, clientBetId, 30_000)));
    const confirmed = outcomes.filter((b) => b.status === 'confirmed');
    const rejected = outcomes.filter((b) => b.status === 'rejected');
    expect(rejected.every((b) => b.reason === 'limit_exceeded')).toBe(true);
    const total = confirmed.reduce((s, b) => s + liability(b), 0);
    expect(total).toBeLessThanOrEqual(CAP);
    // First fit: a bet was refused only if it did not fit on top of what was confirmed before it (which is ≤ the final sum).
    for (const b of rejected) expect(total + liability(b)).toBeGreaterThan(CAP);
    expect(confirmed.length).toBeGreaterThan(0);
    expect(rejected.length).toBeGreaterThan(0);

    // Both OS processes decided bets of this run.
    const first = await betsDecidedBy(tp.platform.services.get('bet-ledger')!.opsUrl);
    const second = await betsDecidedBy(secondLedger.services.get('bet-ledger')!.opsUrl);
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(0);
    expect(first + second).toBe(accepted.length);

    const recon = await tp.admin.request<{ wallets: { checked: number; drift: number } }>('GET', '/v1/admin/reconciliation');
    expect(recon.status).toBe(200);
    expect(recon.body.wallets).toEqual({ checked: PLAYERS, drift: 0 });
  });
});
