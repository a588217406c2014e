import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { betBody, createPlayer, eventually, farCell, openStream } from './support/players.js';
import { createStaff, slipsWhen } from './support/loyalty.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

interface ExportedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  links: { traceId: string }[];
}

/** A minimal OTLP/HTTP JSON receiver: the services export to it like to any collector. */
function startOtlpReceiver(): Promise<{ url: string; spans: ExportedSpan[]; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: (ExportedSpan & { links?: { traceId: string }[] })[] }[];
          }[];
        };
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans)
              spans.push({
                service,
                name: s.name,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId,
                links: s.links ?? [],
              });
        }
      } catch {
        /* not JSON: ignore */
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        spans,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

describe('one trace from the HTTP request to the WebSocket push and the loyalty accrual', () => {
  let platform: TestPlatform;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    platform = await startTestPlatform({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
  });
  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  it('gateway → queue → ledger → outcome event → WebSocket push share the request trace id', async () => {
    const player = await createPlayer(platform.admin, platform.baseUrl, 1_000);
    const stream = await openStream(platform.baseUrl, player);
    const cell = await farCell(platform.baseUrl);
    const placed = await player.client.placeBet(betBody(cell, 10));
    expect(placed.status).toBe(202);
    const traceId = placed.headers.get('x-request-id')!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await stream.waitFor((m) => m.type === 'bet:confirmed' && m.betId === placed.body.betId);

    const inTrace = await eventually(
      async () => {
        const s = receiver.spans.filter((x) => x.traceId === traceId);
        const names = new Set(s.map((x) => `${x.service}:${x.name}`));
        const complete = names.has('gateway:POST /v1/bets') && names.has('bet-ledger:ledger.apply') && names.has('gateway:ws.push');
        return complete ? s : undefined;
      },
      20_000,
      'the spans of the bet trace',
    );
    // The queue hop: bullmq-otel's producer/consumer spans carry the same trace.
    expect(inTrace.some((s) => s.service === 'bet-ledger' && s.name !== 'ledger.apply')).toBe(true);
    // The batch span links the bets it carried.
    const batch = receiver.spans.find((s) => s.name === 'ledger.batch' && s.links.some((l) => l.traceId === traceId));
    expect(batch).toBeDefined();

    // On into loyalty: the bet opened a rating slip; its accrual continues the bet's trace (SPEC 6).
    const host = await createStaff(platform.admin, platform.baseUrl, 'host');
    const [slip] = await slipsWhen(host, player.playerId, (s) => s.length === 1, 'the slip');
    expect((await host.closeSlip(slip!.slipId)).body).toMatchObject({ accrual: 'done' });
    await eventually(
      async () =>
        receiver.spans.some((s) => s.traceId === traceId && s.service === 'loyalty' && s.name === 'loyalty.accrue') ? true : undefined,
      20_000,
      'the accrual span in the bet trace',
    );
    expect(receiver.spans.some((s) => s.name === 'loyalty.plays' && s.links.some((l) => l.traceId === traceId))).toBe(true);
    stream.close();
  });
});
