import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '@wagerflow/runtime';
import { createAdmissionControl, type AdmissionControl } from './admission-control.js';

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
