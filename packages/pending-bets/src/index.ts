export {
  createPendingBets,
  type BetPlace,
  type ClaimResult,
  type FilterBuild,
  type FilterBuildOptions,
  type KeyCheck,
  type PendingBets,
} from './pending-bets.js';
export { keyFilterBits, keyFilterCapacity, keyFilterPositions } from './key-filter.js';
export {
  parseKeyOwner,
  parseKeyValue,
  pendingRecord,
  recordOf,
  storedMarker,
  type KeyOwner,
  type KeyValue,
  type PendingRecord,
  type StoredMarker,
} from './pending-record.js';
