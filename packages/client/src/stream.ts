import WebSocket from 'ws';
import { streamQuery, type PlayerCredentials } from './signing.js';

export interface StreamMessage {
  type: string;
  seq: number;
  [k: string]: unknown;
}

/**
 * A signed WebSocket stream that records every message and checks `seq` is contiguous.
 * (The reconnecting stream with resync is the SDK issue's work.)
 */
export class PlayerStream {
  readonly messages: StreamMessage[] = [];
  private listeners: ((m: StreamMessage) => void)[] = [];
  seqGap = false;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as StreamMessage;
      const last = this.messages[this.messages.length - 1];
      if (m.seq !== (last ? last.seq + 1 : 1)) this.seqGap = true;
      this.messages.push(m);
      for (const l of this.listeners) l(m);
    });
  }

  static open(baseUrl: string, creds: PlayerCredentials): Promise<PlayerStream> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/v1/stream?${streamQuery(creds)}`;
    const ws = new WebSocket(url);
    const stream = new PlayerStream(ws);
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
      stream.onMessage((m) => m.type === 'hello' && resolve(stream));
    });
  }

  onMessage(l: (m: StreamMessage) => void): void {
    this.listeners.push(l);
  }

  /** Resolve with the first recorded or future message matching `pred`, or reject after `timeoutMs`. */
  waitFor(pred: (m: StreamMessage) => boolean, timeoutMs = 10_000): Promise<StreamMessage> {
    const found = this.messages.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a stream message')), timeoutMs);
      this.onMessage((m) => {
        if (pred(m)) {
          clearTimeout(timer);
          resolve(m);
        }
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}
