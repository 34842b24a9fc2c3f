// Runs the Prisma CLI with the committed schema-engine stub (the engine binary cannot be downloaded here), e.g.
// `node tools/prisma.mjs validate` or `node tools/prisma.mjs format`. Migrations are hand-written SQL (ADR 0003).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = spawnSync('npx', ['--no-install', 'prisma', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: join(root, 'tools/schema-engine-stub'),
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
});
process.exit(result.status ?? 1);
