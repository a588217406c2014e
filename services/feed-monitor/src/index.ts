// The service's public entry: its composition root and config loader, for embedding it in another process's
// integration tests (the gateway's in-process stack). Nothing else of src/ is for other packages.
export { createService } from './service.js';
export { loadConfig } from './config.js';
