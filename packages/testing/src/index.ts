// Fixtures for tests. The local servers live in @wagerflow/local-servers (the launcher and the bench use them too);
// the helpers test files wait and name things with are re-exported here so a test imports one package.
export * from './fixtures.js';
export { TEMPLATE_DATABASE } from './test-context.js';
export { closedPort, databaseUrlFor, freePort, randomId, waitUntil } from '@wagerflow/local-servers';
export { seededRandom } from './seeded-random.js';
export { betIntent, TEST_WINDOW_START } from './factories.js';
export { seedLedgerHistory } from './ledger-history.js';
export { tuplesRead } from './tuples-read.js';
