import { defineConfig } from 'prisma/config';

// The CLI is used for `generate`, `validate` and `format` only; migrations are applied by
// libs/api/db's runner (or `prisma migrate deploy` on a machine with the schema engine).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/arca' },
});
