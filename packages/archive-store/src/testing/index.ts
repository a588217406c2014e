// Test support only (`@wagerflow/archive-store/testing`): never imported by production code.
export { InjectedStoreFaultError, failingStore, type FailingStore, type StoreFault, type StoreOperation } from './failing-store.js';
export { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from './local-s3.js';
