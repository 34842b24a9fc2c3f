import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTS } from '@arca/sdk';
import { OPERATIONS } from '@arca/contracts';
import { accessTableProblems } from '../src/access-table.check.js';
import { TestApp } from './support/harness.js';

// Load graphql the way Node (and so Nest) does: Vite would otherwise hand this file the ESM build, a second
// instance whose type checks reject the schema objects Nest built ("from another module or realm").
const { buildSchema, lexicographicSortSchema, parse, printSchema, validate } = createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql');

const SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));
const HEADER = '# Generated from the code-first resolvers. Do not edit: run `npm run schema:update`.\n\n';

describe('GraphQL schema', () => {
  let t: TestApp;
  let printed: string;
  beforeAll(async () => {
    t = await TestApp.start();
    printed = HEADER + printSchema(lexicographicSortSchema(t.app.get(GraphQLSchemaHost).schema));

    if (process.env['ARCA_UPDATE_SCHEMA'] === '1') writeFileSync(SCHEMA_FILE, printed);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('matches the committed apps/api/schema.graphql (run `npm run schema:update` after changing resolvers)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printed);
  });

  it('has an access rule for every operation and no rule without an operation', () => {
    expect(accessTableProblems(t.app.get(GraphQLSchemaHost).schema)).toEqual([]);
  });

  it('accepts every SDK document', () => {
    const schema = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
    const names = Object.keys(DOCUMENTS);
    expect(names.length).toBeGreaterThanOrEqual(Object.keys(OPERATIONS).length);
    for (const [name, doc] of Object.entries(DOCUMENTS)) {
      const errors = validate(schema, parse(doc));
      expect(errors.map((e) => `${name}: ${e.message}`)).toEqual([]);
    }
  });
});
