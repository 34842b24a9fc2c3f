import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import { describe, expect, inject, it } from 'vitest';

// Drift check: the database produced by the hand-written SQL migrations must be exactly what prisma/schema.prisma
// describes. Uses Prisma's own schema engine (WebAssembly build; the native binary cannot be downloaded here),
// diffing the migrated test database against the datamodel. See docs/adr/0003-migrations.md.

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schemaPath = join(repo, 'prisma/schema.prisma');
const require = createRequire(import.meta.url);

/** pg_catalog "char" columns (OID 18): adapter-pg cannot map them; read them as text, report them as Character. */
function patchCharColumns(): (q: unknown) => unknown {
  const pgResultPath = require.resolve('pg/lib/result.js', {
    paths: [require.resolve('@prisma/adapter-pg')],
  });
  const PgResult = require(pgResultPath) as {
    prototype: { addFields(fields: { dataTypeID: number; name: string }[]): void };
  };
  const addFields = PgResult.prototype.addFields;
  let charColumns = new Set<string>();
  PgResult.prototype.addFields = function (fields) {
    charColumns = new Set(fields.filter((f) => f.dataTypeID === 18).map((f) => f.name));
    for (const f of fields) if (f.dataTypeID === 18) f.dataTypeID = 25;
    addFields.call(this, fields);
  };
  type Queryable = {
    queryRaw(x: unknown): Promise<{ columnNames: string[]; columnTypes: number[] }>;
    startTransaction?: (...a: unknown[]) => Promise<Queryable>;
  };
  const CHARACTER = 6;
  const patch = (q: unknown): unknown => {
    const queryable = q as Queryable;
    const queryRaw = queryable.queryRaw.bind(queryable);
    queryable.queryRaw = async (x) => {
      const r = await queryRaw(x);
      r.columnNames.forEach((n, i) => {
        if (charColumns.has(n)) r.columnTypes[i] = CHARACTER;
      });
      return r;
    };
    const start = queryable.startTransaction?.bind(queryable);
    if (start) queryable.startTransaction = async (...a) => patch(await start(...a)) as Queryable;
    return queryable;
  };
  return patch;
}

// Node has WebAssembly; the ES2023 lib typings we compile against do not declare it.
const wasmRuntime = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }>;
    };
  }
).WebAssembly;

async function loadEngine(): Promise<typeof bg> {
  const wasmPath = join(dirname(require.resolve('@prisma/schema-engine-wasm')), 'schema_engine_bg.wasm');
  const { instance } = await wasmRuntime.instantiate(readFileSync(wasmPath), { './schema_engine_bg.js': bg });
  const exports = instance.exports as { __wbindgen_start?: () => void };
  (bg as unknown as { __wbg_set_wasm(e: unknown): void }).__wbg_set_wasm(exports);
  exports.__wbindgen_start?.();
  return bg;
}

describe('prisma/schema.prisma ↔ prisma/migrations', () => {
  it('the migrated database has no drift from the datamodel', async () => {
    const patch = patchCharColumns();
    class DriftPg extends PrismaPg {
      override async connect() {
        return patch(await super.connect()) as Awaited<ReturnType<PrismaPg['connect']>>;
      }
    }
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
      set_message: (m: string) => process.stderr.write(`[schema-engine panic] ${m}\n`),
    };
    const engineModule = await loadEngine();
    const content = readFileSync(schemaPath, 'utf8');
    const files = [{ path: schemaPath, content }];
    const adapter = bindMigrationAwareSqlAdapterFactory(
      new DriftPg({ connectionString: inject('databaseAdminUrl') }),
    );
    const engine = await engineModule.SchemaEngine.new(
      { datamodels: [[schemaPath, content]] },
      () => {},
      adapter,
    );
    try {
      const result = await engine.diff({
        from: { tag: 'schemaDatasource', files, configDir: repo },
        to: { tag: 'schemaDatamodel', files },
        script: true,
        exitCode: true,
        filters: { externalTables: [], externalEnums: [] },
      });
      expect(result.stdout?.trim()).toBe('-- This is an empty migration.');
      expect(result.exitCode).toBe(0);
    } finally {
      engine.free();
    }
  }, 60_000);
});
