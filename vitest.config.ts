import { defineConfig } from 'vitest/config';

// One run for the whole suite. Integration tests share one Postgres started by test/global-setup.ts
// (embedded PostgreSQL 18 unless DATABASE_URL points at a server); each test creates its own tenants.
const sourceConditions = ['@arca/source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@arca/source'] } },
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
