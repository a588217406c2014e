// Test support only (`@wagerflow/archive-store/testing`): never imported by production code.
export { InjectedStoreFaultError, failingStore, type FailingStore, type StoreFault, type StoreOperation } from './failing-store.js';
