import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders, type PlayerStream } from '@wagerflow/client';
import { betBody, createPlayer, decided, eventually, farCell, openStream, type TestPlayer } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

/**
 * Issue 15, SPEC 4: past its capacity the gateway sheds load (503 `overloaded` + Retry-After, at once) and keeps
 * serving what it accepted. An open-loop burst, bounded in time, well above what this platform carries: the
 * ledger is configured small (one bet a transaction, one at a time: about 150 bets/s on this 2-core box when quiet)
 * so that the test is past capacity on any machine, while the generator stays at a rate the test process can send on
 * time. (With batches of 20 a warm, quiet platform carried all 400/s and shed nothing.) The gateway's bet limits match
 * that ledger (at most 100 of its bets outstanding, 300 ms behind): with a cap of 20,000 it admitted ~400 bets in
 * the first half second, whose work across the processes starved the gateway of CPU on this 2-core box and delayed
 * the parsing of the requests to shed past the 2 s bound.
 */
const RATE = 400; // requests/s offered
const SECONDS = 4;
const PLAYERS = 40;
const DEPOSIT = 1_000_000;
const STAKE = 10;
const SOCKETS = 128;
const ANSWER_BOUND_MS = 2_000; // SPEC bound of the issue: every request answered within 2 s

interface Sent {
  player: number;
  clientBetId: string;
  sentAt: number;
  answeredAt?: number;
  status?: number;
  code?: string;
  retryAfter?: string | null;
  betId?: string;
  error?: string;
}

// It runs in a vitest project of its own (`overload`), after every other test (package.json's `test` script): it
// measures answer times, and the integration and e2e projects running beside it starved the gateway of CPU at the
// burst's start (it met the 2 s bound 3 of 12 runs then, the machine's load average 5–13; the gateway itself answered
// 97–99 % of its 503s within 10 ms of parsing them). See the issue 15 report.
describe('overload: the gateway sheds the excess at once and keeps what it accepted whole', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({
      LEDGER_BATCH_MAX: '1',
      LEDGER_BATCH_CONCURRENCY: '1',
      GATEWAY_MAX_LEDGER_DELAY_MS: '300',
      GATEWAY_MAX_LEDGER_OUTSTANDING: '100',
    });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('open loop past capacity: every request answered within 2 s, 503 overloaded with Retry-After, every 202 one outcome, money whole', async () => {
    const players: TestPlayer[] = await Promise.all(
      Array.from({ length: PLAYERS }, () => createPlayer(platform.admin, platform.baseUrl, DEPOSIT)),
    );
    const streams: PlayerStream[] = await Promise.all(players.map((p) => openStream(platform.baseUrl, p)));
    const cell = await farCell(platform.baseUrl);
    const url = new URL(platform.baseUrl);
    if (url.hostname !== '127.0.0.1') throw new Error(`the load goes to 127.0.0.1 only, not ${url.hostname}`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: SOCKETS });
    // The connections are opened before the burst, 16 at a time, as a long-lived client's would be: the burst tests
    // the gateway's answers, not the kernel's accept queue.
    for (let i = 0; i < SOCKETS; i += 16) {
      await Promise.all(
        Array.from(
          { length: 16 },
          () =>
            new Promise<void>((resolve, reject) => {
              http
                .get({ host: '127.0.0.1', port: Number(url.port), path: '/healthz', agent }, (res) => res.resume().on('end', resolve))
                .on('error', reject);
            }),
        ),
      );
    }

    const send = (s: Sent): Promise<void> =>
      new Promise((resolve) => {
        const p = players[s.player]!;
        const body = JSON.stringify({ clientBetId: s.clientBetId, marketId: 'BTC-USD', cellId: cell.cellId, stake: STAKE });
        const req = http.request(
          {
            host: '127.0.0.1',
            port: Number(url.port),
            method: 'POST',
            path: '/v1/bets',
            agent,
            timeout: 10_000,
            headers: { 'content-type': 'application/json', ...signedHeaders(p.creds, 'POST', '/v1/bets', body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              s.answeredAt = performance.now();
              s.status = res.statusCode;
              s.retryAfter = res.headers['retry-after'] ?? null;
              const json = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { betId?: string; error?: { code: string } };
              s.code = json.error?.code;
              s.betId = json.betId;
              resolve();
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
        req.on('error', (err) => {
          s.error = err.message;
          resolve();
        });
        req.end(body);
      });

    // A warm platform, as in production: its code paths compiled before the burst (signed reads, 16 at a time), and
    // the bet path end to end (gateway, queue, ledger) by a player of its own whose bets the checks below do not see.
    for (let i = 0; i < 20; i++) await Promise.all(players.slice(0, 16).map((p) => p.client.me()));
    const warm = await createPlayer(platform.admin, platform.baseUrl, DEPOSIT);
    for (let round = 0; round < 3; round++) {
      const bodies = Array.from({ length: 10 }, () => betBody(cell, STAKE));
      const answers = await Promise.all(bodies.map((b) => warm.client.placeBet(b)));
      expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 202));
      await Promise.all(bodies.map((b) => decided(warm, b.clientBetId)));
    }

    // Open loop: request i is due at start + i / RATE, sent whether or not earlier ones were answered.
    const all: Sent[] = [];
    const inFlight: Promise<void>[] = [];
    const start = performance.now();
    const total = RATE * SECONDS;
    let adminDuringLoad: Promise<number[]> | undefined;
    while (all.length < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) * RATE) / 1000) + 1);
      while (all.length < due) {
        const s: Sent = { player: all.length % PLAYERS, clientBetId: randomUUID(), sentAt: performance.now() };
        all.push(s);
        inFlight.push(send(s));
      }
      if (!adminDuringLoad && all.length >= total / 2)
        adminDuringLoad = Promise.all([
          platform.admin.request('GET', '/v1/admin/reconciliation').then((r) => r.status),
          fetch(`${platform.baseUrl}/healthz`).then((r) => r.status),
        ]);
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(inFlight);
    agent.destroy();

    const byStatus = new Map<string, number>();
    for (const s of all) {
      const k = `${s.status ?? s.error} ${s.code ?? ''}`.trim();
      byStatus.set(k, (byStatus.get(k) ?? 0) + 1);
    }
    // When a bound fails, the message says when the slow answers were sent (by 250 ms of the burst) and what they were.
    const slow = new Map<string, number>();
    for (const s of all.filter((x) => x.answeredAt === undefined || x.answeredAt - x.sentAt > ANSWER_BOUND_MS)) {
      const k = `${Math.floor((s.sentAt - start) / 250) * 250} ms: ${s.status ?? s.error}`;
      slow.set(k, (slow.get(k) ?? 0) + 1);
    }
    // The gateway's own view: how long it took over its 503s, from the moment it parsed each request.
    const metrics = await (await fetch(`${platform.platform.services.get('gateway')!.opsUrl}/metrics`)).text();
    const server503 = (le: string) => {
      const line = metrics
        .split('\n')
        .find(
          (l) =>
            l.startsWith('wagerflow_http_request_seconds_bucket{') &&
            [`le="${le}"`, 'route="/v1/bets"', 'status="503"'].every((x) => l.includes(x)),
        );
      return line ? Number(line.split(' ').pop()) : null;
    };
    const gateway = { shedWithin10ms: server503('0.01'), shedWithin250ms: server503('0.25'), shed: server503('+Inf') };
    const summary = JSON.stringify({ answers: Object.fromEntries(byStatus), slow: Object.fromEntries(slow), gateway });
    // Every request answered (no transport error), within the bound, and never with stale_timestamp.
    expect(all.filter((s) => s.error !== undefined).length, summary).toBe(0);
    const slowest = Math.max(...all.map((s) => s.answeredAt! - s.sentAt));
    process.stderr.write(`overload: slowest answer ${slowest.toFixed(0)} ms; ${summary}\n`);
    expect(slowest, summary).toBeLessThanOrEqual(ANSWER_BOUND_MS);
    expect(all.filter((s) => s.code === 'stale_timestamp')).toEqual([]);
    // Past capacity: the excess is shed with Retry-After, and the rest accepted; nothing else is answered.
    const shed = all.filter((s) => s.status === 503 && s.code === 'overloaded');
    const accepted = all.filter((s) => s.status === 202);
    expect(shed.length, summary).toBeGreaterThan(0);
    expect(accepted.length, summary).toBeGreaterThan(0);
    expect(shed.length + accepted.length, summary).toBe(all.length);
    for (const s of shed) expect(Number(s.retryAfter)).toBeGreaterThanOrEqual(1);

    // Every 202 ends in exactly one outcome on its player's stream; a shed bet has none and is not stored.
    for (const [i, stream] of streams.entries()) {
      const mine = accepted.filter((s) => s.player === i);
      const outcomes = await eventually(
        async () => {
          const ev = stream.messages.filter((m) => m.type === 'bet:confirmed' || m.type === 'bet:rejected');
          return ev.length >= mine.length ? ev : undefined;
        },
        60_000,
        `the outcomes of player ${i}'s ${mine.length} accepted bets`,
      );
      expect(outcomes.map((m) => m.betId).sort()).toEqual(mine.map((s) => s.betId).sort());
      const confirmed = outcomes.filter((m) => m.type === 'bet:confirmed').length;
      const me = await players[i]!.client.me();
      expect(me.body.balance).toBe(DEPOSIT - confirmed * STAKE);
      stream.close();
    }
    const shedSample = shed.slice(0, 20);
    for (const s of shedSample) expect((await players[s.player]!.client.betByClientId(s.clientBetId)).status).toBe(404);

    const recon = await platform.admin.request<{ wallets: { checked: number; drift: number } }>('GET', '/v1/admin/reconciliation');
    expect(recon.body.wallets.drift).toBe(0);
    // Admin routes and health are never shed: asked in the middle of the burst.
    expect(await adminDuringLoad).toEqual([200, 200]);
  }, 120_000);
});
