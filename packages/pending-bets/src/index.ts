export { createPendingBets, type BetPlace, type ClaimResult, type PendingBets } from './pending-bets.js';
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
