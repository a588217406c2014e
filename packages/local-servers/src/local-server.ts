export interface LocalServer {
  /** Connection URL (`postgres://…` or `redis://…`) on 127.0.0.1. */
  url: string;
  port: number;
  /** Stop the server (bounded); removes its directory unless it is persistent. Idempotent. */
  stop: () => Promise<void>;
}
