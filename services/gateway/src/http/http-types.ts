import { ServerResponse, type IncomingMessage } from 'node:http';

/**
 * What the API's handlers, authentication and checks use of a request: Node's message plus the few fields Express
 * adds. Express's Request has them all; the bet fast path (./bet-fast-path.ts) sets them on the plain message.
 */
export interface ApiRequest extends IncomingMessage {
  method: string;
  /** The request target as received (path and query): the signed target of SPEC 4.2. */
  originalUrl: string;
  /** The target's path, without the query. */
  path: string;
  query: Record<string, unknown>;
  params: Record<string, string | string[]>;
}

/** What handlers use of a response: Node's, with Express's `locals`, `status` and `json`. Express's Response has them. */
export interface ApiResponse extends ServerResponse {
  locals: Record<string, unknown>;
  status(code: number): this;
  json(body: unknown): this;
}

/**
 * The gateway server's response class (`http.createServer({ ServerResponse: ApiServerResponse })`): the bet fast path
 * answers with it as it is; Express swaps its own prototype in for every other route. `json` writes what Express's
 * does for a JSON body: the same type, charset and length headers.
 */
export class ApiServerResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> implements ApiResponse {
  locals: Record<string, unknown> = {};

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  json(body: unknown): this {
    // Express's names, case and all (a header's name is case-insensitive, but some clients log it as sent).
    const text = JSON.stringify(body) ?? '';
    if (!this.hasHeader('Content-Type')) this.setHeader('Content-Type', 'application/json; charset=utf-8');
    this.setHeader('Content-Length', Buffer.byteLength(text));
    this.end(text);
    return this;
  }
}
