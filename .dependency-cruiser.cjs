/**
 * Import boundaries and cycles (`pnpm lint:deps`, part of `pnpm lint`). Services talk through queues, events and
 * HTTP; a service's files are its own. See the README's "Layout".
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: modules that need each other to load are one module split in two.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-cross-service',
      severity: 'error',
      comment:
        "A service imports another service's files. Only a service's declared entry (src/index.ts: its composition " +
        "root) may be imported, and only by another service's in-process test stack (src/testing/).",
      from: { path: '^services/([^/]+)/', pathNot: ['^services/[^/]+/src/testing/'] },
      to: { path: '^services/', pathNot: ['^services/$1/'] },
    },
    {
      name: 'cross-service-entry-only-for-tests',
      severity: 'error',
      comment: "Only test support may embed another service, and only through that service's src/index.ts.",
      from: { path: '^services/([^/]+)/src/testing/' },
      to: { path: '^services/', pathNot: ['^services/$1/', '^services/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'no-package-to-service',
      severity: 'error',
      comment: 'Shared packages are below the services: they never import them.',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'no-script-to-service',
      severity: 'error',
      comment: 'The launcher, the bench and the build run services as processes; they do not reach into src/.',
      from: { path: '^scripts/' },
      to: { path: '^services/' },
    },
    {
      name: 'no-fixtures-outside-tests',
      severity: 'error',
      comment: 'Test fixtures (@wagerflow/testing) are for tests; the launcher and the bench use @wagerflow/local-servers.',
      from: { pathNot: ['\\.test\\.ts$', '/testing/', '^packages/testing/', '^tests/'] },
      to: { path: '^packages/testing/' },
    },
    {
      name: 'sdk-browser-safe',
      severity: 'error',
      comment:
        '@wagerflow/client runs in browsers: only its Node entry and Node-only helpers (index.ts, signing.ts, stream.ts, ' +
        'ws-socket.ts), tests and test support import Node built-ins (browser-bundle.test.ts also checks that ws stays out).',
      from: {
        path: '^packages/client/src/',
        pathNot: ['^packages/client/src/(index|signing|stream|ws-socket)[.]ts$', '^packages/client/src/testing/', '[.]test[.]ts$'],
      },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)node_modules/', '(^|/)dist/'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'], exportsFields: ['exports'], conditionNames: ['import', 'default'] },
  },
};
