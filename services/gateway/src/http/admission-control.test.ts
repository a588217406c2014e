import { EventEmitter } from 'node:events';
import http, { type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '@wagerflow/runtime';
import { createAdmissionControl, shedBeforeApp, type AdmissionControl } from './admission-control.js';

/** A response as the router hands it: `locals.route` and a 'close' event at the end of the answer. */
const response = () => Object.assign(new EventEmitter(), { locals: { route: '/v1/bets' } }) as unknown as Response;
const limits = { maxInFlight: 2, maxBetsAwaitingMulti: 0, maxEventLoopLagMs: 0, maxLedgerOutstanding: 2, maxLedgerDelayMs: 0 };

let control: AdmissionControl | undefined;
afterEach(() => control?.stop());

describe('admission control: the measured signals', () => {
  it('counts a request in flight from admission to the end of its answer; past the limit sheds with Retry-After', async () => {
    const metrics = createMetrics('gateway');
    control = createAdmissionControl({ metrics, limits });
    const [a, b] = [response(), response()];
    expect(control.admit('other', true, a)).toBeUndefined();
    expect(control.admit('other', true, b)).toBeUndefined();
    const shed = control.admit('bet', true, response());
    expect(shed).toMatchObject({ code: 'overloaded', status: 503, headers: { 'Retry-After': '1' } });
    // Admin routes (shed: false) are never refused, and counted.
    expect(control.admit('other', false, response())).toBeUndefined();
    expect(control.signals().inFlight).toBe(3);
    a.emit('close');
    a.emit('close'); // counted once
    expect(control.signals().inFlight).toBe(2);
    b.emit('close');
    expect(control.admit('bet', true, response())).toBeUndefined();
    expect(await metrics.registry.getSingleMetricAsString('wagerflow_gateway_shed_total')).toContain(
      'wagerflow_gateway_shed_total{route="/v1/bets",reason="in_flight",service="gateway"} 1',
    );
  });

  it('outstanding bets end with their outcome on the player-events channel, or when forgotten; bets over the limit are shed', () => {
    control = createAdmissionControl({ metrics: createMetrics('gateway'), limits: { ...limits, maxInFlight: 0 } });
    control.accepted('b1');
    control.accepted('b2');
    expect(control.admit('bet', true, response())).toMatchObject({ code: 'overloaded' });
    expect(control.admit('other', true, response())).toBeUndefined(); // reads are not shed for the ledger's sake
    control.onPlayerEvents(
      JSON.stringify([
        { type: 'bet:confirmed', betId: 'b1' },
        { type: 'bet:settled', betId: 'b2' },
      ]),
    );
    expect(control.signals().ledgerOutstanding).toBe(1);
    control.onPlayerEvents('not json');
    control.forget('b2');
    expect(control.signals()).toMatchObject({ ledgerOutstanding: 0, ledgerOldestMs: 0 });
  });

  it('counts bets waiting for their MULTI while the enqueue runs, failed ones too', async () => {
    control = createAdmissionControl({ metrics: createMetrics('gateway'), limits });
    let release!: () => void;
    const running = control.awaitingMulti(() => new Promise<string>((resolve) => (release = () => resolve('claimed'))));
    expect(control.signals().betsAwaitingMulti).toBe(1);
    release();
    await expect(running).resolves.toBe('claimed');
    await expect(control.awaitingMulti(() => Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
    expect(control.signals().betsAwaitingMulti).toBe(0);
  });
});

describe('shedBeforeApp: POST /v1/bets refused before Express', () => {
  async function serve(listener: RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('answers the router 503 overloaded with Retry-After and x-request-id, counts it, and passes everything else on', async () => {
    const metrics = createMetrics('gateway');
    control = createAdmissionControl({ metrics, limits: { ...limits, maxInFlight: 1 } });
    const reached: string[] = [];
    const app: RequestListener = (req, res) => {
      reached.push(`${req.method} ${req.url}`);
      res.writeHead(200).end('{}');
    };
    const server = await serve(shedBeforeApp(control, app));
    try {
      const body = JSON.stringify({ clientBetId: 'x' });
      // Under the limit: the bet reaches the app.
      expect((await fetch(`${server.url}/v1/bets`, { method: 'POST', body })).status).toBe(200);
      // One request in flight (the router's count) fills the limit of 1.
      expect(control.admit('other', true, response())).toBeUndefined();
      for (const path of ['/v1/bets', '/v1/bets/', '/v1/bets?a=1']) {
        const res = await fetch(`${server.url}${path}`, { method: 'POST', body });
        expect(res.status, path).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
        expect(await res.json()).toEqual({ error: { code: 'overloaded', message: expect.stringContaining('over capacity') as string } });
      }
      // Other methods and paths are the router's to answer (404/405 come before admission).
      for (const [method, path] of [
        ['GET', '/v1/bets'],
        ['POST', '/v1/betsx'],
        ['POST', '/v1/deposits'],
      ] as const) {
        expect((await fetch(`${server.url}${path}`, { method, ...(method === 'POST' ? { body } : {}) })).status).toBe(200);
      }
      expect(reached).toEqual(['POST /v1/bets', 'GET /v1/bets', 'POST /v1/betsx', 'POST /v1/deposits']);
      expect(await metrics.registry.getSingleMetricAsString('wagerflow_gateway_shed_total')).toContain(
        'wagerflow_gateway_shed_total{route="/v1/bets",reason="in_flight",service="gateway"} 3',
      );
    } finally {
      await server.close();
    }
  });

  it('refuses what the router would refuse (bets only past a ledger limit), with the router message', () => {
    control = createAdmissionControl({ metrics: createMetrics('gateway'), limits: { ...limits, maxInFlight: 0, maxLedgerOutstanding: 1 } });
    control.accepted('b1');
    const routerAnswer = control.admit('bet', true, response());
    expect(routerAnswer?.message).toBe('the gateway is over capacity; nothing was done, retry later');
    expect(control.shedBefore('bet', '/v1/bets')).toBe(1);
    expect(control.shedBefore('other', '/v1/bets')).toBeUndefined();
  });
});
