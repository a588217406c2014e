import type { ListObjectsV2CommandInput, ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3ArchiveStore } from './s3-store.js';

// Paging is the one part of the S3 store that the integration test cannot drive: s3rver's continuation tokens
// use DES, which Node 20's OpenSSL 3 no longer offers. Here a first middleware answers two pages by hand.
describe('S3ArchiveStore.list paging', () => {
  it('follows continuation tokens, strips the store prefix and sorts', async () => {
    const store = new S3ArchiveStore('s3://bucket/arch', { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' });
    const pages: Record<string, Partial<ListObjectsV2CommandOutput>> = {
      first: { Contents: [{ Key: 'arch/runs/b' }, { Key: 'arch/runs/c' }], IsTruncated: true, NextContinuationToken: 't1' },
      t1: { Contents: [{ Key: 'arch/runs/a' }], IsTruncated: false },
    };
    const inputs: ListObjectsV2CommandInput[] = [];
    store.client.middlewareStack.add(
      () => async (args) => {
        const input = args.input as ListObjectsV2CommandInput;
        inputs.push(input);
        return { output: pages[input.ContinuationToken ?? 'first'] as never, response: {} };
      },
      { step: 'initialize', name: 'fakeListPages', priority: 'high' },
    );
    expect(await store.list('runs/')).toEqual(['runs/a', 'runs/b', 'runs/c']);
    expect(inputs).toEqual([
      { Bucket: 'bucket', Prefix: 'arch/runs/', ContinuationToken: undefined },
      { Bucket: 'bucket', Prefix: 'arch/runs/', ContinuationToken: 't1' },
    ]);
  });
});
