// The contracts in Node: everything of the browser entry, plus the node:crypto signing helpers (SPEC 4.2).
export * from './browser.js';
export * from './signing.js';
