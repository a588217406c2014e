import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { AdminClient } from '@wagerflow/client';

/** Build the play page (packages/play, Vite) into packages/play/dist, which the gateway serves at /play. */
export async function buildPlayPage(rootDir: string): Promise<void> {
  const dir = path.join(rootDir, 'packages/play');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: dir, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the play page build exited with ${code}`))));
  });
}

/**
 * A funded demo player and the page URL carrying its key and secret in the fragment: a browser never sends the
 * fragment to a server, and the launcher prints it once to its own terminal (no service logs it).
 */
export async function demoPlayerUrl(gatewayUrl: string, adminToken: string, deposit = 1_000_000): Promise<string> {
  const admin = new AdminClient(gatewayUrl, adminToken);
  const created = await admin.createPlayer('demo');
  if (created.status !== 201) throw new Error(`creating the demo player answered ${created.status}`);
  const { playerId, apiKey, apiSecret } = created.body;
  const funded = await admin.deposit(playerId, deposit, `demo-${randomUUID()}`);
  if (funded.status !== 201) throw new Error(`funding the demo player answered ${funded.status}`);
  return `${gatewayUrl}/play/#${new URLSearchParams({ apiKey, apiSecret }).toString()}`;
}
