import { createPlayer, farCell, betBody } from './support/players.js';
import { AdminClient } from '@wagerflow/client';
const base = 'http://127.0.0.1:18080';
const admin = new AdminClient(base, 'admin-token-0123456789');
const p = await createPlayer(admin, base, 100);
const cell = await farCell(base);
const t0 = Date.now();
const rs = await Promise.all(Array.from({ length: 1000 }, () => p.client.placeBet(betBody(cell, 10))));
const by = new Map<string, number>();
for (const r of rs) { const k = `${r.status} ${(r.body as any)?.error?.code ?? ''}`; by.set(k, (by.get(k) ?? 0) + 1); }
console.log(Date.now() - t0, 'ms', by);
