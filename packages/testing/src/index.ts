export * from './local-servers.js';
export * from './fixtures.js';
export { TEMPLATE_DATABASE, databaseUrlFor } from './test-context.js';
