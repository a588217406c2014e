export { ArchiveObjectMissingError, TEMP_SUFFIX, assertValidKey, assertValidPrefix, sortKeys, type ArchiveStore } from './archive-store.js';
export { FileArchiveStore, type FileArchiveStoreOptions } from './file-store.js';
export { S3ArchiveStore, parseS3Url, s3ClientConfig, type S3Env, type S3Location } from './s3-store.js';
export { openArchiveStore } from './open-archive-store.js';
export {
  ARCHIVE_SCHEMA_VERSION,
  TOTAL_KEYS,
  archiveObjectKey,
  checkArchiveFile,
  dayBounds,
  decodeArchive,
  encodeArchive,
  extent,
  manifestFromRow,
  partitionKey,
  sha256,
  totalsOf,
  utcDay,
  verifyArchive,
  type ArchiveContent,
  type DecodedArchive,
  type ArchiveManifest,
  type ArchiveTotals,
  type ArchivedBetRow,
  type ArchivedEntryRow,
  type PartitionRef,
} from './archive-file.js';
