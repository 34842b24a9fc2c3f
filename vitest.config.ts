import { defineConfig } from 'vitest/config';

// One run for the whole suite. Integration tests share one Postgres started by test/global-setup.ts
// (embedded PostgreSQL 18 unless DATABASE_URL points at a server); each test creates its own tenants.
// Workspace packages resolve to their TypeScript sources through the `@arca/source` export condition.
// Vitest passes these conditions to Node as --conditions too: never add 'import' or 'module' here, or
// require('pg-pool') inside pg resolves to its ESM build and breaks.
const conditions = ['@arca/source', 'node'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['{apps,libs}/**/src/**/*.{spec,int-spec}.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
