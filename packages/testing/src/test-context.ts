/** What the vitest globalSetup hands to test files (`provide` → `inject`), and names both sides agree on. */

/** Migrated once per run; every test file clones it (see ProvidedContext.wfTestTemplate). */
export const TEMPLATE_DATABASE = 'wf_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser-ish URL of the test Postgres (database `postgres`, or whatever TEST_DATABASE_URL names). */
    wfTestDatabaseUrl: string;
    /** Migrated database to clone: `wf_template`, or `wf_template_<runId>` on a shared TEST_DATABASE_URL server. */
    wfTestTemplate: string;
    wfTestRedisUrl: string;
    /** Short id of this run: test databases are named `wf_test_<runId>_…`. */
    wfTestRunId: string;
  }
}
