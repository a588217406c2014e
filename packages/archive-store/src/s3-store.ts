import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ArchiveObjectMissingError, assertValidKey, assertValidPrefix, sortKeys, type ArchiveStore } from './archive-store.js';

/** `s3://bucket/prefix` split; the prefix without its slashes at either end ('' for the bucket's root). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

export function parseS3Url(url: string): S3Location {
  // Parsed by hand: WHATWG URL parsing would silently resolve "a/../b" to "b".
  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/.exec(url);
  if (!match) throw new Error(`archive URL ${JSON.stringify(url)} is not of the form s3://bucket/prefix (no query or fragment)`);
  const [, authority = '', path = ''] = match;
  if (authority.includes('@')) {
    throw new Error('an s3:// archive URL carries no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
  // Bucket naming rules (lowercase letters, digits, dots, hyphens, 3–63), which also keep it path-style safe.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(authority)) {
    throw new Error(`archive URL ${JSON.stringify(url)}: ${JSON.stringify(authority)} is not a valid bucket name`);
  }
  const prefix = path.replace(/^\/+|\/+$/g, '');
  if (prefix !== '') assertValidKey(prefix);
  return { bucket: authority, prefix };
}

/**
 * The client settings from the standard AWS variables. An endpoint (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL)
 * means an S3-compatible store: path-style addressing (no bucket DNS names) and a default region. Without an
 * access key pair the SDK's default chain (instance role, profiles…) finds credentials; half a pair is an error.
 */
/** The standard AWS variables an s3:// store reads (a process environment, or a service config that carries them). */
export type S3Env = Readonly<Record<string, unknown>> &
  Readonly<
    Partial<
      Record<
        | 'AWS_ACCESS_KEY_ID'
        | 'AWS_SECRET_ACCESS_KEY'
        | 'AWS_SESSION_TOKEN'
        | 'AWS_REGION'
        | 'AWS_DEFAULT_REGION'
        | 'AWS_ENDPOINT_URL_S3'
        | 'AWS_ENDPOINT_URL',
        string | undefined
      >
    >
  >;

export function s3ClientConfig(env: S3Env): S3ClientConfig {
  const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new Error(`AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  const region = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? (endpoint ? 'us-east-1' : undefined);
  if (region === undefined) throw new Error('AWS_REGION is required for an s3:// archive URL on AWS (no endpoint set)');
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new Error(`${accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} is required when the other key is set`);
  }
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  return {
    region,
    ...(endpoint !== undefined ? { endpoint, forcePathStyle: true } : {}),
    ...(accessKeyId !== undefined && secretAccessKey !== undefined
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
    // Since 2025 the SDK adds CRC checksums to every upload by default, which many S3-compatible stores reject;
    // `put` sends Content-MD5 instead, which AWS and every compatible store verify.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A store that stops answering fails the call (after the SDK's retries) instead of hanging the pipeline.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  };
}

/** S3's limit on one PutObject. */
const MAX_PUT_BYTES = 5 * 1024 ** 3;

/**
 * Objects in an S3 bucket under a key prefix. A put is one PutObject: S3 makes an object visible only once its
 * whole body has arrived (and, with Content-MD5, verified), so an interrupted upload leaves nothing (or the old
 * version). One request always suffices: a Node 20 Buffer holds at most 4 GiB, PutObject takes up to 5 GiB.
 */
export class S3ArchiveStore implements ArchiveStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;

  constructor(url: string, env: S3Env) {
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.url = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    this.client = new S3Client(s3ClientConfig(env));
  }

  async put(key: string, body: Buffer): Promise<void> {
    const objectKey = this.objectKey(key);
    if (body.length > MAX_PUT_BYTES) {
      throw new Error(`archive object ${JSON.stringify(key)}: ${body.length} bytes is over the 5 GiB a single PutObject takes`);
    }
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: objectKey,
        Body: body,
        ContentLength: body.length,
        ContentMD5: createHash('md5').update(body).digest('base64'),
        // Opaque bytes: no Content-Encoding, or HTTP clients would gunzip archives on the way back.
        ContentType: 'application/octet-stream',
      }),
    );
  }

  async get(key: string): Promise<Buffer> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!out.Body) throw new Error(`archive object ${JSON.stringify(key)}: the store answered without a body`);
      const bytes = await out.Body.transformToByteArray();
      if (out.ContentLength !== undefined && bytes.length !== out.ContentLength) {
        throw new Error(`archive object ${JSON.stringify(key)}: read ${bytes.length} of ${out.ContentLength} bytes`);
      }
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      if (isNotFound(err)) throw new ArchiveObjectMissingError(key);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      // S3 answers 204 for an absent key; some compatible stores answer 404.
      if (!isNotFound(err)) throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertValidPrefix(prefix);
    const base = this.prefix ? `${this.prefix}/` : '';
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key?.startsWith(base)) keys.push(object.Key.slice(base.length));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return sortKeys(keys);
  }

  private objectKey(key: string): string {
    assertValidKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }
}

function isNotFound(err: unknown): boolean {
  if (err instanceof S3ServiceException) {
    return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404;
  }
  return false;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
