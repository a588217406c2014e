import type { ApiRequest } from './http-types.js';
import type { z } from 'zod';
import { ApiError } from './api-error.js';

export const MAX_BODY_BYTES = 64 * 1024;

/** Read the exact body bytes (they are signed); over 64 KiB → 413 before anything else looks at it. */
export async function readRawBody(req: ApiRequest): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    throw new ApiError('payload_too_large', `body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      throw new ApiError('payload_too_large', `body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** 415 unless the content type is JSON; 400 with details for invalid JSON or a schema violation. */
export function parseJsonBody<S extends z.ZodType>(req: ApiRequest, raw: Buffer, schema: S): z.infer<S> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new ApiError('unsupported_media_type', 'Content-Type must be application/json');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ApiError('validation_failed', 'body is not valid JSON', [{ path: '', message: 'invalid JSON' }]);
  }
  return validate(schema, value);
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ApiError(
      'validation_failed',
      'request is invalid',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return parsed.data;
}
