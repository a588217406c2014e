export { ArchiveObjectMissingError, TEMP_SUFFIX, assertValidKey, assertValidPrefix, sortKeys, type ArchiveStore } from './archive-store.js';
export { FileArchiveStore, type FileArchiveStoreOptions } from './file-store.js';
export { S3ArchiveStore, parseS3Url, s3ClientConfig, type S3Location } from './s3-store.js';
export { openArchiveStore } from './open-archive-store.js';
