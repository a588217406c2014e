/**
 * One signed WebSocket per player (SPEC 4.5), raw `ws` rather than PlayerStream: PlayerStream keeps every message
 * in memory for tests, which a long run at thousands of bets per second does not need. Checks `seq` contiguity and
 * hands `bet:confirmed` / `bet:rejected` to the caller with the time they arrived.
 */
import WebSocket from 'ws';
import { streamQuery, type PlayerCredentials } from '@wagerflow/client';

export interface SocketStats {
  seqGaps: number;
  closedUnexpectedly: number;
}

export type OutcomeListener = (clientBetId: string, type: 'bet:confirmed' | 'bet:rejected', reason: string | undefined, at: number) => void;

export interface PlayerSocket {
  close(): void;
}

export function openPlayerSocket(
  gatewayUrl: string,
  creds: PlayerCredentials,
  onOutcome: OutcomeListener,
  stats: SocketStats,
  timeoutMs = 10_000,
): Promise<PlayerSocket> {
  const ws = new WebSocket(`${gatewayUrl.replace(/^http/, 'ws')}/v1/stream?${streamQuery(creds)}`, { perMessageDeflate: false });
  let lastSeq = 0;
  let closing = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no hello on the stream within the deadline'));
    }, timeoutMs);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`stream upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
    ws.on('close', () => {
      if (!closing) stats.closedUnexpectedly += 1;
    });
    ws.on('message', (data: Buffer) => {
      const at = performance.now();
      const m = JSON.parse(data.toString('utf8')) as { type: string; seq: number; clientBetId?: string; reason?: string };
      if (m.seq !== lastSeq + 1) stats.seqGaps += 1;
      lastSeq = m.seq;
      if ((m.type === 'bet:confirmed' || m.type === 'bet:rejected') && m.clientBetId) onOutcome(m.clientBetId, m.type, m.reason, at);
      else if (m.type === 'hello') {
        clearTimeout(timer);
        resolve({
          close() {
            closing = true;
            ws.terminate();
          },
        });
      }
    });
  });
}
