import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** s3rver's fixed account: requests signed with any other key pair fail its signature check. */
export const LOCAL_S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

export interface LocalS3 {
  /** `AWS_ENDPOINT_URL_S3` and the key pair: the environment an `s3://<bucket>/…` ARCHIVE_URL needs to reach it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * TEST ONLY: an S3-protocol server (s3rver) on a free loopback port with `bucket` created, its objects in a temporary
 * directory removed on stop. The SDK's requests are signed, addressed and parsed as against AWS.
 */
export async function startLocalS3(bucket: string): Promise<LocalS3> {
  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    env: { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, ...LOCAL_S3_CREDENTIALS },
    stop: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
