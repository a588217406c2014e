/**
 * What Express costs a request on this machine: the same handler (read the body, parse it as JSON, answer 202 with a
 * small JSON body) served by a bare Node server and by Express 5 with the gateway's settings and a router of a few
 * routes, each in a child process, measured by the server's own CPU over the same requests from this process
 * (keep-alive, CONNECTIONS at once). Alternates the two, ROUNDS times each, and prints each round.
 *
 *   node --import tsx scripts/bench/http-framework-cost.ts [requests=40000] [rounds=2]
 *
 * Why it exists: the gateway serves `POST /v1/bets` past Express (services/gateway/src/http/bet-fast-path.ts), and
 * this is the figure that decision rests on (README, Performance, session 17).
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';

const CONNECTIONS = 50;
const WARM_UP = 2_000;
type Kind = 'bare' | 'express';
const ANSWER = {
  betId: 'a0a0a0a0-1111-2222-3333-444444444444',
  clientBetId: 'b0b0b0b0-1111-2222-3333-444444444444',
  status: 'pending',
  multiplier: 2.5,
};

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function bareServer(): http.Server {
  return http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/bets') return void res.writeHead(404).end();
    void readBody(req).then((raw) => {
      JSON.parse(raw.toString('utf8'));
      const text = JSON.stringify(ANSWER);
      res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
}

function expressServer(): http.Server {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const router = express.Router({ caseSensitive: true, strict: false });
  for (const path of ['/v1/markets', '/v1/markets/:id/grid', '/v1/me', '/v1/bets/:betId'])
    router.get(path, (_req, res) => void res.json({}));
  router.post('/v1/bets', async (req, res) => {
    JSON.parse((await readBody(req)).toString('utf8'));
    res.status(202).json(ANSWER);
  });
  app.use(router);
  return http.createServer(app);
}

/** The child: serves, reports its port, then its CPU (µs) whenever asked. */
function serve(kind: Kind): void {
  const server = kind === 'bare' ? bareServer() : expressServer();
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('message', () => {
    const cpu = process.cpuUsage();
    process.send?.({ cpu: cpu.user + cpu.system });
  });
}

async function measure(kind: Kind, requests: number): Promise<{ cpuUs: number; perSecond: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', kind], { execArgv: ['--import', 'tsx'] });
  const next = () => new Promise<{ port?: number; cpu?: number }>((resolve) => child.once('message', resolve));
  const { port } = await next();
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const body = JSON.stringify({ clientBetId: ANSWER.clientBetId, marketId: 'BTC-USD', cellId: 'BTC-USD:1:2', stake: 10 });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/bets',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => res.resume().on('end', resolve),
      );
      req.on('error', reject);
      req.end(body);
    });
  const cpu = async () => {
    const reply = next();
    child.send('cpu');
    return (await reply).cpu ?? 0;
  };
  const run = async (n: number) => {
    let sent = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (sent++ < n) await one();
      }),
    );
  };
  try {
    await run(WARM_UP);
    const before = await cpu();
    const started = performance.now();
    await run(requests);
    const seconds = (performance.now() - started) / 1000;
    return { cpuUs: ((await cpu()) - before) / requests, perSecond: requests / seconds };
  } finally {
    agent.destroy();
    child.kill();
  }
}

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? 40_000);
  const rounds = Number(process.argv[3] ?? 2);
  console.log(`POST /v1/bets-like request, ${requests} requests over ${CONNECTIONS} keep-alive connections; server CPU a request`);
  for (let round = 1; round <= rounds; round++) {
    for (const kind of ['bare', 'express'] as const) {
      const { cpuUs, perSecond } = await measure(kind, requests);
      console.log(`  round ${round}  ${kind.padEnd(7)}  ${cpuUs.toFixed(1)} µs CPU a request  (${Math.round(perSecond)} requests/s)`);
    }
  }
}

if (process.argv[2] === '--serve') serve(process.argv[3] === 'express' ? 'express' : 'bare');
else await main();
