/**
 * A cluster worker for cluster.int.test.ts: the service side as a real service has it (startOpsServer in a worker,
 * a metrics registry, one readiness check), plus an HTTP port that answers its pid and counts its requests.
 */
import http from 'node:http';
import { createMetrics } from './metrics.js';
import { startOpsServer } from './ops-server.js';

const metrics = createMetrics('fixture');
const served = metrics.counter('fixture_requests_total', 'Requests this worker answered');
let draining = false;
await startOpsServer({
  port: 0,
  metrics,
  isDraining: () => draining,
  checks: {
    dependency: () => (process.env.FIXTURE_CHECK_FAILS === '1' ? Promise.reject(new Error('down')) : Promise.resolve()),
  },
});
const server = http.createServer((_req, res) => {
  served.inc();
  res.end(String(process.pid));
});
server.listen(Number(process.env.FIXTURE_PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  if (process.env.FIXTURE_IGNORES_SIGTERM === '1') return;
  draining = true;
  server.close(() => process.exit(0));
});
