import { describe, expect, it } from 'vitest';
import { assertValidKey, assertValidPrefix, sortKeys } from './archive-store.js';
import { FileArchiveStore } from './file-store.js';
import { openArchiveStore } from './open-archive-store.js';
import { S3ArchiveStore, parseS3Url, s3ClientConfig } from './s3-store.js';

describe('keys', () => {
  it('accepts relative slash-separated paths', () => {
    for (const key of ['a', 'runs/r-1/bets-2026-12-04.ndjson.gz', 'a/b/c.d', 'a/.hidden', 'a/b..c', 'manifest.json']) {
      expect(() => assertValidKey(key), key).not.toThrow();
    }
  });

  it.each([
    ['', /empty/],
    ['/abs/key', /absolute/],
    ['a/../b', /"\.\." segment/],
    ['..', /"\.\." segment/],
    ['a/./b', /"\." segment/],
    ['a\\b', /backslash/],
    ['a//b', /empty segment/],
    ['a/b/', /empty segment/],
    ['a\u0000b', /control character/],
    ['x/part.ndjson.gz.tmp-0123456789ab', /temporary file/],
    ['k'.repeat(1025), /longer than 1024 bytes/],
  ])('rejects %j', (key, problem) => {
    expect(() => assertValidKey(key)).toThrow(problem);
    expect(() => assertValidKey(key)).toThrow(/invalid archive key/);
  });

  it('prefixes may be empty, end with a slash or stop inside a segment, but never climb out', () => {
    for (const prefix of ['', 'runs/', 'runs/r-', 'runs']) expect(() => assertValidPrefix(prefix), prefix).not.toThrow();
    for (const prefix of ['/runs', '../', 'runs/..', 'a//b', 'a\\b']) {
      expect(() => assertValidPrefix(prefix), prefix).toThrow(/invalid archive prefix/);
    }
  });

  it('sorts in UTF-8 byte order, as S3 lists', () => {
    // UTF-16 code units put U+1F600 (D83D DE00) before U+FF5E; UTF-8 bytes put U+FF5E (EF ..) before U+1F600 (F0 ..).
    expect(sortKeys(['b', 'a/z', 'a/b', '\u{1F600}', '\uFF5E', 'A'])).toEqual(['A', 'a/b', 'a/z', 'b', '\uFF5E', '\u{1F600}']);
  });
});

describe('openArchiveStore', () => {
  it('file:///abs/path opens a file store rooted there', () => {
    const store = openArchiveStore('file:///var/lib/wagerflow/archive', {});
    expect(store).toBeInstanceOf(FileArchiveStore);
    expect(store.url).toBe('file:///var/lib/wagerflow/archive');
    expect((store as FileArchiveStore).root).toBe('/var/lib/wagerflow/archive');
  });

  it('s3://bucket/prefix opens an S3 store whose url has no credentials', () => {
    const store = openArchiveStore('s3://wf-archive/prod/archives/', {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(store).toBeInstanceOf(S3ArchiveStore);
    expect(store.url).toBe('s3://wf-archive/prod/archives');
    expect(store.url).not.toContain('secret');
    expect((store as S3ArchiveStore).prefix).toBe('prod/archives');
  });

  it('any other URL is an error naming it', () => {
    expect(() => openArchiveStore('ftp://host/archive', {})).toThrow(/"ftp:\/\/host\/archive".*unsupported scheme/);
    expect(() => openArchiveStore('/plain/path', {})).toThrow(/"\/plain\/path"/);
    expect(() => openArchiveStore('file://otherhost/path', {})).toThrow(/not a valid file:\/\/ URL/);
  });
});

describe('s3:// URLs and the AWS variables', () => {
  it('splits bucket and prefix', () => {
    expect(parseS3Url('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Url('s3://bucket/')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Url('s3://my.bucket-1/a/b/')).toEqual({ bucket: 'my.bucket-1', prefix: 'a/b' });
  });

  it('rejects credentials in the URL, bad bucket names and bad prefixes', () => {
    expect(() => parseS3Url('s3://AKID:secret@bucket/p')).toThrow(/carries no credentials/);
    expect(() => parseS3Url('s3://Bad_Bucket/p')).toThrow(/not a valid bucket name/);
    expect(() => parseS3Url('s3://bucket/a/../b')).toThrow(/invalid archive key/);
    expect(() => parseS3Url('s3://bucket/a?x=1')).toThrow(/no query/);
    expect(() => parseS3Url('s3:bucket')).toThrow(/s3:\/\/bucket\/prefix/);
  });

  it('an endpoint means path-style addressing; AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL', () => {
    const config = s3ClientConfig({
      AWS_ENDPOINT_URL: 'http://generic:9000',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });
    expect(config).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' },
    });
    expect(s3ClientConfig({ AWS_ENDPOINT_URL: 'http://generic:9000', AWS_REGION: 'auto' })).toMatchObject({
      endpoint: 'http://generic:9000',
      forcePathStyle: true,
      region: 'auto',
    });
  });

  it('AWS itself: no endpoint, virtual-hosted addressing, the region required, the default credential chain', () => {
    const config = s3ClientConfig({ AWS_REGION: 'eu-west-1' });
    expect(config.endpoint).toBeUndefined();
    expect(config.forcePathStyle).toBeUndefined();
    expect(config.credentials).toBeUndefined();
    expect(s3ClientConfig({ AWS_DEFAULT_REGION: 'eu-central-1' }).region).toBe('eu-central-1');
    expect(() => s3ClientConfig({})).toThrow(/AWS_REGION/);
  });

  it('half a key pair or a malformed endpoint is an error naming the variable', () => {
    expect(() => s3ClientConfig({ AWS_REGION: 'x', AWS_ACCESS_KEY_ID: 'AKID' })).toThrow(/AWS_SECRET_ACCESS_KEY/);
    expect(() => s3ClientConfig({ AWS_REGION: 'x', AWS_SECRET_ACCESS_KEY: 's' })).toThrow(/AWS_ACCESS_KEY_ID/);
    expect(() => s3ClientConfig({ AWS_ENDPOINT_URL_S3: 'minio:9000' })).toThrow(/AWS_ENDPOINT_URL/);
  });
});
