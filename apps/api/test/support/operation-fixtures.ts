// One fixture per GraphQL operation, so suites that walk every operation (tenant isolation, authorization matrix,
// input validation) cover a new operation as soon as it exists — and fail until someone writes its fixture.
//
// Documents and ID arguments come from apps/api/schema.graphql: the selection set is every leaf field a few levels
// deep (ids, names, emails — so leaks are visible), `ID!` arguments named modelId/userId map to the world's
// resources, and `id` maps through the fixture's `id` field. Fixtures only supply what the schema cannot know:
// meaningful values for other inputs, and fresh resources for calls that consume them.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type {
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLOutputType,
  GraphQLSchema,
} from 'graphql';
import type pg from 'pg';
import { OPERATIONS, type OperationName } from '@arca/contracts';
import { buildMlp } from '@arca/onnx/testing';
import type { GqlOptions, GqlResponse, Principal, TestApp, TestTenant } from './harness.js';
import { seedAlias, seedPromotion, seedVersion } from '../lifecycle/fixtures.js';

// Node's copy of graphql (see schema.test.ts): Vite would hand us a second, ESM instance otherwise.
const G = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const SCHEMA_FILE = fileURLToPath(new URL('../../schema.graphql', import.meta.url));
export const SCHEMA: GraphQLSchema = G.buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));

// ---------------------------------------------------------------------------------------------------------------
// World: one tenant and the resources operations refer to.

export type ResourceKind =
  | 'model'
  | 'restricted'
  | 'member'
  | 'invitation'
  | 'apiKey'
  | 'webhook'
  | 'webhookDelivery'
  | 'version'
  | 'promotion'
  | 'upload';
export const RESOURCE_KINDS: readonly ResourceKind[] = [
  'upload',
  'model',
  'restricted',
  'member',
  'invitation',
  'apiKey',
  'webhook',
  'webhookDelivery',
  'version',
  'promotion',
];

export interface World {
  tenant: TestTenant;
  /** An INTERNAL model every member sees. */
  model: { id: string; name: string };
  /** A RESTRICTED model on which `member` holds a VIEWER grant. */
  restricted: { id: string; name: string };
  /** A viewer who is none of the role principals: target of role changes, removals and grants. */
  member: { id: string; email: string };
  /** A pending invitation. */
  invitation: { id: string; email: string };
  /** An API key created by the owner. */
  apiKey: { id: string };
  /** A webhook endpoint (to a local port nothing listens on) created by the owner. */
  webhook: { id: string };
  /** A delivery of that endpoint (its test event). */
  webhookDelivery: { id: string };
  /** A READY version of `model`, uploaded by `member` (seeded directly: see test/lifecycle/fixtures.ts). */
  version: { id: string };
  /** A pending request (by `member`) to promote `version` to production. */
  promotion: { id: string };
  /** An open (unfinished) staged upload to `model`, created by the owner. */
  upload: { id: string };
}

export type CallerKind = 'session' | 'apiKey' | 'anonymous';

export interface Caller {
  label: string;
  kind: CallerKind;
  /** The human behind the credential (absent for anonymous callers). */
  principal?: Principal;
  /** Slug of the principal's tenant (to open fresh sessions). */
  tenantSlug?: string;
  /** Credential sent as a bearer token; defaults to the principal's session or API key. */
  token?: string;
}

export interface FixtureContext {
  t: TestApp;
  /** Whose resources the call names (the caller's own tenant, or a victim's). */
  world: World;
  caller: Caller;
  /** True when the call is expected to succeed: consume fresh resources, never the world's shared ones. */
  fresh: boolean;
}

interface Prepared {
  world?: Partial<World>;
  /** Bearer token to use instead of the caller's (a fresh session for logout/changePassword). */
  token?: string;
  extra?: Record<string, string>;
}

interface OperationFixture {
  /** Which world resource an `id: ID!` argument names. */
  id?: ResourceKind;
  /** Non-ID values of the `input` argument (ID fields are derived from the schema). */
  input?: (c: FixtureContext, p: Prepared) => Record<string, unknown>;
  /** Values of other (non-input, non-ID) arguments. */
  args?: (c: FixtureContext, p: Prepared) => Record<string, unknown>;
  /** Creates what the call consumes, before any snapshot is taken. */
  prepare?: (c: FixtureContext) => Promise<Prepared>;
  /** Bookkeeping after a successful call (e.g. the principal's new password). */
  onSuccess?: (c: FixtureContext, p: Prepared, variables: Record<string, unknown>) => void;
}

/** `ID!` arguments and input fields named like this refer to these world resources. */
const ID_NAMES: Record<string, ResourceKind> = {
  modelId: 'restricted',
  userId: 'member',
  webhookId: 'webhook',
  versionId: 'version',
  uploadId: 'upload',
};

const unique = (prefix: string): string => `${prefix}-${randomBytes(5).toString('hex')}`;
const password = (): string => `pw-${randomBytes(12).toString('hex')}`;

function principalOf(c: FixtureContext): Principal {
  return c.caller.principal ?? c.world.tenant.owner;
}

/** A fresh session of the caller (session callers only), so logging out or changing passwords keeps theirs. */
async function freshSession(c: FixtureContext): Promise<Prepared> {
  const p = c.caller.principal;
  if (c.caller.kind !== 'session' || !p) return {};
  return { token: await c.t.login(p.email, p.password, c.caller.tenantSlug) };
}

export const FIXTURES: Record<OperationName, OperationFixture> = {
  // identity
  me: {},
  login: {
    input: (c) => ({
      email: principalOf(c).email,
      password: principalOf(c).password,
      tenantSlug: c.world.tenant.slug,
    }),
  },
  logout: { prepare: freshSession },
  changePassword: {
    prepare: async (c) => ({ ...(await freshSession(c)), extra: { newPassword: password() } }),
    input: (c, p) => ({
      currentPassword: principalOf(c).password,
      newPassword: p.extra?.['newPassword'] ?? password(),
    }),
    onSuccess: (c, p) => {
      // Every other session of the user is revoked now: keep the one that made the change.
      const principal = c.caller.principal;
      if (!principal || !p.token || !p.extra?.['newPassword']) return;
      principal.password = p.extra['newPassword'];
      principal.session = p.token;
    },
  },
  apiKeys: {},
  createApiKey: {
    input: (c) => ({
      name: 'fixture key',
      scopes: ['tenant:read'],
      modelIds: [c.world.model.id],
      expiresInDays: 1,
    }),
  },
  revokeApiKey: {
    id: 'apiKey',
    prepare: async (c) => {
      const p = c.caller.principal;
      if (!c.fresh || !p) return {};
      // The caller's own key: revoking it needs nothing beyond apikeys:own.
      return { world: { apiKey: await createApiKeyRow(c.t, p.session, ['tenant:read']) } };
    },
  },
  // tenancy
  tenant: {},
  updateTenant: { input: () => ({ name: unique('renamed') }) },
  members: {},
  invitations: {},
  inviteMember: { input: () => ({ email: `${unique('invitee')}@fixture.test`, role: 'VIEWER' }) },
  revokeInvitation: {
    id: 'invitation',
    prepare: async (c) => (c.fresh ? { world: { invitation: await invite(c.t, c.world.tenant) } } : {}),
  },
  acceptInvitation: {
    // Its own invitation in the world's tenant: pending when the call should succeed, revoked otherwise (a
    // cross-tenant caller presents a real but dead token of the victim).
    prepare: async (c) => {
      const inv = await invite(c.t, c.world.tenant);
      if (!c.fresh) await revokeInvitation(c.t, c.world.tenant, inv.id);
      return { extra: { token: inv.token } };
    },
    input: (_c, p) => ({ token: p.extra?.['token'], password: password(), displayName: 'Fixture User' }),
  },
  updateMemberRole: { input: () => ({ role: 'CONSUMER' }) },
  removeMember: {
    prepare: async (c) => (c.fresh ? { world: { member: await newMember(c.t, c.world.tenant) } } : {}),
  },
  // models
  model: { id: 'model' },
  models: {},
  createModel: {
    input: () => ({
      name: unique('fixture'),
      description: 'fixture',
      tags: ['fixture'],
      visibility: 'INTERNAL',
    }),
  },
  updateModel: { id: 'model', input: () => ({ description: `updated ${unique('d')}` }) },
  archiveModel: {
    id: 'model',
    prepare: async (c) =>
      c.fresh ? { world: { model: await createModel(c.t, c.world.tenant.owner.apiKey) } } : {},
  },
  restoreModel: {
    id: 'model',
    prepare: async (c) => {
      if (!c.fresh) return {};
      const model = await createModel(c.t, c.world.tenant.owner.apiKey);
      await c.t.ok(
        'mutation($id: ID!) { archiveModel(id: $id) { id } }',
        { id: model.id },
        {
          token: c.world.tenant.owner.apiKey,
        },
      );
      return { world: { model } };
    },
  },
  // access
  modelGrants: {},
  grantModelAccess: { input: () => ({ role: 'VIEWER' }) },
  revokeModelAccess: {
    prepare: async (c) => {
      if (!c.fresh) return {};
      const owner = c.world.tenant.owner.apiKey;
      const restricted = await createModel(c.t, owner, { visibility: 'RESTRICTED' });
      await grant(c.t, owner, restricted.id, c.world.member.id);
      return { world: { restricted } };
    },
  },
  // audit log (the world's tenant has events from its creation; flushing sequences and checkpoints them)
  auditEvents: {},
  latestCheckpoint: { prepare: flushAudit },
  auditCheckpoints: {},
  inclusionProof: { prepare: flushAudit, args: () => ({ seq: 0, treeSize: 1 }) },
  consistencyProof: { prepare: flushAudit, args: () => ({ fromSize: 1, toSize: 1 }) },
  auditAlerts: {},
  // webhooks
  webhooks: {},
  webhook: { id: 'webhook' },
  webhookDeliveries: {},
  createWebhook: {
    input: () => ({
      url: `http://127.0.0.1:9/${unique('hook')}`,
      events: ['version.created', 'alias.updated'],
      description: 'fixture',
    }),
  },
  updateWebhook: { id: 'webhook', input: () => ({ description: `updated ${unique('d')}` }) },
  rotateWebhookSecret: { id: 'webhook' },
  deleteWebhook: {
    id: 'webhook',
    prepare: async (c) =>
      c.fresh ? { world: { webhook: await createWebhook(c.t, c.world.tenant.owner.apiKey) } } : {},
  },
  redeliverWebhookDelivery: { id: 'webhookDelivery' },
  sendTestWebhook: { id: 'webhook' },
  // version lifecycle (calls that should succeed use the INTERNAL model, which every role sees)
  modelAliases: { prepare: onInternalModel },
  setAlias: { prepare: onInternalModel, args: () => ({ alias: unique('stage') }) },
  deleteAlias: {
    prepare: async (c) => {
      if (!c.fresh) return {};
      const alias = unique('old');
      const { tenant, model, version, member } = c.world;
      await seedAlias(tenant.id, model.id, alias, version.id, member.id);
      return { world: { restricted: model }, extra: { alias } };
    },
    args: (_c, p) => ({ alias: p.extra?.['alias'] ?? 'staging' }),
  },
  requestPromotion: {
    prepare: onInternalModel,
    input: () => ({ alias: unique('promo'), reason: 'fixture' }),
  },
  // The world's version was uploaded (and its seeded requests made) by `member`, who is none of the callers.
  approvePromotion: { id: 'promotion', prepare: freshPromotion, args: () => ({ note: 'fixture' }) },
  rejectPromotion: { id: 'promotion', prepare: freshPromotion, args: () => ({ note: 'fixture' }) },
  cancelPromotion: { id: 'promotion', prepare: ownPromotion },
  promotionRequests: {},
  updateModelVersion: {
    id: 'version',
    input: () => ({
      description: `updated ${unique('d')}`,
      tags: ['fixture'],
      card: { intendedUse: 'fixture', metrics: '{"accuracy":0.9}' },
    }),
  },
  archiveModelVersion: {
    id: 'version',
    prepare: async (c) => {
      if (!c.fresh) return {};
      const { tenant, model, member } = c.world;
      return { world: { version: await seedVersion(tenant.id, model.id, member.id) } };
    },
  },
  restoreModelVersion: {
    id: 'version',
    prepare: async (c) => {
      if (!c.fresh) return {};
      const { tenant, model, member } = c.world;
      return { world: { version: await seedVersion(tenant.id, model.id, member.id, { archived: true }) } };
    },
  },
  lineage: { args: () => ({ depth: 5 }) },
  searchModelVersions: { args: () => ({ query: 'model', first: 10 }) },
  artifactPolicy: {},
  updateArtifactPolicy: { input: () => ({ onnxAllowedDomains: ['com.example.fixture'] }) },
  // model versions: uploads, downloads, keys (the world's version is READY on the INTERNAL model)
  modelVersion: { id: 'version' },
  modelVersions: { prepare: onInternalModel },
  resolveModelVersion: { args: (c) => ({ model: c.world.model.id, ref: 'latest' }) },
  createUpload: { prepare: onInternalModel, input: () => ({ sizeBytes: 100 }) },
  finalizeUpload: {
    prepare: async (c) => (c.fresh ? { world: { upload: await stageUpload(c.t, c.world, true) } } : {}),
  },
  abortUpload: {
    prepare: async (c) => (c.fresh ? { world: { upload: await stageUpload(c.t, c.world, false) } } : {}),
  },
  createDownload: {},
  rotateTenantKey: {},
  deleteTenant: {
    // Succeeding calls shred a tenant of their own: the world's tenant must survive the suite.
    prepare: async (c) => {
      if (!c.fresh) return {};
      const doomed = await c.t.tenant({ withMembers: false });
      return { token: doomed.owner.session, world: { tenant: doomed } };
    },
    args: (c, p) => ({ confirmSlug: (p.world?.tenant ?? c.world.tenant).slug }),
  },
};

/** A staged upload of a small valid ONNX model to the INTERNAL model, by the owner; `complete`: all bytes sent. */
async function stageUpload(t: TestApp, world: World, complete: boolean): Promise<{ id: string }> {
  const bytes = Buffer.from(FIXTURE_ONNX);
  const data = await t.ok<{ createUpload: { id: string; url: string; token: string } }>(
    'mutation($i: CreateUploadInput!) { createUpload(input: $i) { id url token } }',
    { i: { modelId: world.model.id, sizeBytes: bytes.length } },
    { token: world.tenant.owner.apiKey },
  );
  if (complete) {
    const res = await t.http('PUT', data.createUpload.url, bytes, {
      authorization: `Bearer ${data.createUpload.token}`,
      'content-type': 'application/octet-stream',
    });
    if (res.status !== 200) throw new Error(`fixture upload failed: ${res.body}`);
  }
  return { id: data.createUpload.id };
}

const FIXTURE_ONNX = buildMlp({ inputSize: 4, hidden: [4], outputs: 2, seed: 1 });

/** Calls expected to succeed name the INTERNAL model (`modelId` arguments default to the restricted one). */
function onInternalModel(c: FixtureContext): Promise<Prepared> {
  return Promise.resolve(c.fresh ? { world: { restricted: c.world.model } } : {});
}

/** A fresh pending request on an alias of its own, requested by `member` (approvers must be someone else). */
async function freshPromotion(c: FixtureContext): Promise<Prepared> {
  return c.fresh ? seededPromotion(c, c.world.member.id) : {};
}

/** A fresh pending request of the caller's own (a publisher may cancel only their own requests). */
async function ownPromotion(c: FixtureContext): Promise<Prepared> {
  return c.fresh ? seededPromotion(c, c.caller.principal?.userId ?? c.world.member.id) : {};
}

async function seededPromotion(c: FixtureContext, requester: string): Promise<Prepared> {
  const { tenant, model, version } = c.world;
  const promotion = await seedPromotion(tenant.id, model.id, version.id, unique('promo'), requester);
  return { world: { promotion } };
}

async function flushAudit(c: FixtureContext): Promise<Prepared> {
  await c.t.flushAudit();
  return {};
}

// ---------------------------------------------------------------------------------------------------------------
// Documents and variables, derived from the schema.

export function rootField(op: string): GraphQLField<unknown, unknown> | undefined {
  const kind = (OPERATIONS as Record<string, { kind: 'query' | 'mutation' } | undefined>)[op]?.kind;
  const query = SCHEMA.getQueryType()?.getFields()[op];
  const mutation = SCHEMA.getMutationType()?.getFields()[op];
  if (kind === 'query') return query;
  if (kind === 'mutation') return mutation;
  return query ?? mutation;
}

function kindOf(op: string): 'query' | 'mutation' {
  return SCHEMA.getMutationType()?.getFields()[op] ? 'mutation' : 'query';
}

const MAX_NESTING = 4;

/** Every leaf field, recursively (no type twice on one path, no field with required arguments). */
export function selectionFor(type: GraphQLOutputType, depth = 1, path: readonly string[] = []): string {
  const named = G.getNamedType(type);
  if (G.isLeafType(named)) return '';
  if (!G.isObjectType(named)) return '{ __typename }';
  const parts: string[] = [];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((a) => G.isNonNullType(a.type))) continue;
    const inner = G.getNamedType(field.type);
    if (G.isLeafType(inner)) parts.push(field.name);
    else if (depth < MAX_NESTING && !path.includes(inner.name)) {
      parts.push(`${field.name} ${selectionFor(field.type, depth + 1, [...path, named.name])}`);
    }
  }
  return `{ ${parts.join(' ') || '__typename'} }`;
}

/** `mutation Fixture_x($a: T!) { x(a: $a) { …every leaf… } }` */
export function documentFor(op: string): string {
  const field = rootField(op);
  if (!field) throw new Error(`the schema has no root field ${op}`);
  const kind = kindOf(op);
  const defs = field.args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `${kind} Fixture_${op}${defs ? `(${defs})` : ''} { ${op}${args ? `(${args})` : ''} ${selectionFor(field.type)} }`;
}

function isIdType(type: GraphQLInputType): boolean {
  const named = G.getNamedType(type);
  return named.name === 'ID' && !G.isListType(G.isNonNullType(type) ? type.ofType : type);
}

function idFor(op: string, name: string, world: World): string {
  const kind = name === 'id' ? FIXTURES[op as OperationName]?.id : ID_NAMES[name];
  if (!kind) {
    throw new Error(`${op}: no world resource for ID argument "${name}" (set the fixture's id or ID_NAMES)`);
  }
  return world[kind].id;
}

function valueFor(
  op: string,
  where: string,
  name: string,
  type: GraphQLInputType,
  provided: Record<string, unknown>,
  world: World,
): unknown {
  if (name in provided) return provided[name];
  if (isIdType(type) && G.isNonNullType(type)) return idFor(op, name, world);
  if (!G.isNonNullType(type)) return undefined;
  throw new Error(`${op}: the fixture gives no value for required ${where}"${name}" (${String(type)})`);
}

export function variablesFor(op: string, c: FixtureContext, p: Prepared = {}): Record<string, unknown> {
  const fixture = FIXTURES[op as OperationName];
  const field = rootField(op);
  if (!fixture) throw new Error(`${op}: no fixture`);
  if (!field) throw new Error(`the schema has no root field ${op}`);
  const world = { ...c.world, ...p.world };
  const ctx = { ...c, world };
  const args = fixture.args?.(ctx, p) ?? {};
  const vars: Record<string, unknown> = {};
  for (const arg of field.args) {
    const named = G.getNamedType(arg.type);
    if (G.isInputObjectType(named) && !G.isListType(arg.type)) {
      const provided = fixture.input?.(ctx, p) ?? {};
      for (const key of Object.keys(provided)) {
        if (!named.getFields()[key]) throw new Error(`${op}: the fixture sets unknown input field "${key}"`);
      }
      const input: Record<string, unknown> = {};
      for (const f of Object.values(named.getFields())) {
        const v = valueFor(op, `input field `, f.name, f.type, provided, world);
        if (v !== undefined) input[f.name] = v;
      }
      vars[arg.name] = input;
    } else {
      const v = valueFor(op, 'argument ', arg.name, arg.type, args, world);
      if (v !== undefined) vars[arg.name] = v;
    }
  }
  return vars;
}

/** The ID arguments (and ID input fields) of an operation, with the world resource each names. */
export function idArguments(op: string): { path: string[]; kind: ResourceKind }[] {
  const field = rootField(op);
  const out: { path: string[]; kind: ResourceKind }[] = [];
  const visit = (args: readonly Pick<GraphQLArgument, 'name' | 'type'>[], path: string[]): void => {
    for (const a of args) {
      const named = G.getNamedType(a.type);
      if (G.isInputObjectType(named)) visit(Object.values(named.getFields()), [...path, a.name]);
      else if (isIdType(a.type) && G.isNonNullType(a.type)) {
        const kind = a.name === 'id' ? FIXTURES[op as OperationName]?.id : ID_NAMES[a.name];
        if (kind) out.push({ path: [...path, a.name], kind });
      }
    }
  };
  visit(field?.args ?? [], []);
  return out;
}

/** Why each operation (from OPERATIONS and from the schema) cannot be exercised yet; empty when all can. */
export function fixtureProblems(): string[] {
  const names = new Set<string>([
    ...Object.keys(OPERATIONS),
    ...Object.keys(SCHEMA.getQueryType()?.getFields() ?? {}),
    ...Object.keys(SCHEMA.getMutationType()?.getFields() ?? {}),
  ]);
  const problems: string[] = [];
  const world = dummyWorld();
  for (const op of names) {
    if (!(op in FIXTURES)) {
      problems.push(`${op}: no fixture in apps/api/test/support/operation-fixtures.ts`);
      continue;
    }
    try {
      const errors = G.validate(SCHEMA, G.parse(documentFor(op)));
      if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
      const caller: Caller = { label: 'dry run', kind: 'session', principal: world.tenant.owner };
      const c = { t: undefined as unknown as TestApp, world, caller, fresh: false };
      variablesFor(op, c, { extra: { token: 'x', newPassword: 'x' } });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems.push(message.startsWith(`${op}:`) ? message : `${op}: ${message}`);
    }
  }
  return problems;
}

/** Names of operations lacking a usable fixture: a suite must fail while this is not empty. */
export function operationsWithoutFixture(): string[] {
  return fixtureProblems().map((p) => p.split(':')[0] ?? p);
}

function dummyWorld(): World {
  const principal: Principal = {
    userId: randomUUID(),
    email: 'dry@run.test',
    password: 'x',
    role: 'owner',
    session: 'x',
    apiKey: 'x',
  };
  const id = () => ({ id: randomUUID(), name: 'x', email: 'x@x.test' });
  return {
    tenant: { id: randomUUID(), slug: 'dry-run', owner: principal, members: {} as TestTenant['members'] },
    model: id(),
    restricted: id(),
    member: id(),
    invitation: id(),
    apiKey: id(),
    webhook: id(),
    webhookDelivery: id(),
    version: id(),
    promotion: id(),
    upload: id(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Running a fixture.

export interface PreparedCall {
  op: OperationName;
  query: string;
  variables: Record<string, unknown>;
  token?: string;
  /** The world the variables were built from (fresh resources included). */
  world: World;
  commit(): void;
}

export async function prepareCall(op: OperationName, c: FixtureContext): Promise<PreparedCall> {
  const fixture = FIXTURES[op];
  const p = (await fixture.prepare?.(c)) ?? {};
  const variables = variablesFor(op, c, p);
  const token = p.token ?? c.caller.token ?? tokenOf(c.caller);
  return {
    op,
    query: documentFor(op),
    variables,
    token,
    world: { ...c.world, ...p.world },
    commit: () => fixture.onSuccess?.(c, p, variables),
  };
}

export function tokenOf(caller: Caller): string | undefined {
  if (caller.token) return caller.token;
  if (caller.kind === 'session') return caller.principal?.session;
  if (caller.kind === 'apiKey') return caller.principal?.apiKey;
  return undefined;
}

/** Sends a prepared call; runs its bookkeeping when it succeeded. */
export async function execute(
  t: TestApp,
  call: PreparedCall,
  headers?: Record<string, string>,
): Promise<GqlResponse> {
  const res = await send(t, call.query, call.variables, { token: call.token, headers });
  if (res.status === 200 && !res.body.errors?.length && res.body.data) call.commit();
  return res;
}

/**
 * POST /graphql (TestApp.gql) from a random client address, so deliberate login failures never feed the
 * shared 127.0.0.1 brute-force counters other suites log in from.
 */
export function send(
  t: TestApp,
  query: string,
  variables: Record<string, unknown> = {},
  opts: GqlOptions = {},
): Promise<GqlResponse> {
  return t.gql(query, variables, { ...opts, ip: opts.ip ?? randomIp() });
}

export function randomIp(): string {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

// ---------------------------------------------------------------------------------------------------------------
// World construction (through the API, as the owner).

export async function createModel(
  t: TestApp,
  token: string,
  input: Record<string, unknown> = {},
): Promise<{ id: string; name: string }> {
  return t.createModel(token, { name: unique('m'), ...input });
}

export async function createApiKeyRow(
  t: TestApp,
  session: string,
  scopes: string[],
): Promise<{ id: string }> {
  const data = await t.ok<{ createApiKey: { apiKey: { id: string } } }>(
    'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } } }',
    { i: { name: 'fixture', scopes, expiresInDays: 1 } },
    { token: session },
  );
  return data.createApiKey.apiKey;
}

export async function invite(
  t: TestApp,
  tenant: TestTenant,
  role = 'VIEWER',
): Promise<{ id: string; email: string; token: string }> {
  const email = `${unique('inv')}@fixture.test`;
  const data = await t.ok<{ inviteMember: { token: string; invitation: { id: string } } }>(
    'mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token invitation { id } } }',
    { i: { email, role } },
    { token: tenant.owner.apiKey },
  );
  return { id: data.inviteMember.invitation.id, email, token: data.inviteMember.token };
}

async function revokeInvitation(t: TestApp, tenant: TestTenant, id: string): Promise<void> {
  await t.ok(
    'mutation($id: ID!) { revokeInvitation(id: $id) { id } }',
    { id },
    { token: tenant.owner.apiKey },
  );
}

/** A new account joined as viewer (one argon2 hash; no API key). */
export async function newMember(t: TestApp, tenant: TestTenant): Promise<{ id: string; email: string }> {
  const inv = await invite(t, tenant);
  const data = await t.ok<{ acceptInvitation: { me: { user: { id: string } } } }>(
    'mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { me { user { id } } } }',
    { i: { token: inv.token, password: password() } },
  );
  return { id: data.acceptInvitation.me.user.id, email: inv.email };
}

async function grant(t: TestApp, token: string, modelId: string, userId: string): Promise<void> {
  await t.ok(
    'mutation($i: GrantModelAccessInput!) { grantModelAccess(input: $i) { modelId } }',
    { i: { modelId, userId, role: 'VIEWER' } },
    { token },
  );
}

/** An endpoint on a local port nothing listens on (deliveries fail fast and retry much later). */
export async function createWebhook(t: TestApp, token: string): Promise<{ id: string }> {
  const data = await t.ok<{ createWebhook: { webhook: { id: string } } }>(
    'mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }',
    { i: { url: `http://127.0.0.1:9/${unique('hook')}`, events: ['version.created'] } },
    { token },
  );
  return data.createWebhook.webhook;
}

async function sendTestWebhook(t: TestApp, token: string, id: string): Promise<{ id: string }> {
  const data = await t.ok<{ sendTestWebhook: { id: string } }>(
    'mutation($id: ID!) { sendTestWebhook(id: $id) { id } }',
    { id },
    { token },
  );
  return data.sendTestWebhook;
}

/** Models, a grant, a pending invitation, an owner API key, a webhook and a spare member in `tenant`. */
export async function buildWorld(t: TestApp, tenant: TestTenant): Promise<World> {
  const owner = tenant.owner.apiKey;
  const model = await createModel(t, owner, { description: `model of ${tenant.slug}`, tags: ['shared'] });
  const restricted = await createModel(t, owner, { visibility: 'RESTRICTED' });
  const member = await newMember(t, tenant);
  await grant(t, owner, restricted.id, member.id);
  const { token: _token, ...invitation } = await invite(t, tenant);
  const apiKey = await createApiKeyRow(t, tenant.owner.session, ['tenant:read']);
  const webhook = await createWebhook(t, owner);
  const webhookDelivery = await sendTestWebhook(t, owner, webhook.id);
  const version = await seedVersion(tenant.id, model.id, member.id);
  const promotion = await seedPromotion(tenant.id, model.id, version.id, 'production', member.id);
  const upload = await stageUpload(t, { tenant, model } as World, false);
  return {
    tenant,
    model,
    restricted,
    member,
    invitation,
    apiKey,
    webhook,
    webhookDelivery,
    version,
    promotion,
    upload,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Database checks, as the superuser (RLS does not apply): what a tenant owns, and whether it changed.

const TENANT_TABLES = [
  'memberships',
  'sessions',
  'api_keys',
  'invitations',
  'models',
  'model_grants',
  'webhooks',
  'model_versions',
  'model_aliases',
  'promotion_requests',
  'uploads',
  'blob_keys',
  'blob_segments',
  'tenant_keys',
  'download_grants',
] as const;
/** Columns that reads legitimately touch (authentication bookkeeping). */
const VOLATILE = ['last_used_at', 'last_seen_at', 'idle_expires_at'];

export interface TenantSnapshot {
  userIds: string[];
  tables: Record<string, string>;
}

/** Row count and content hash of every table of `tenantId`, its tenants row and its members' users rows. */
export async function snapshotTenant(
  db: pg.Client,
  tenantId: string,
  userIds?: string[],
): Promise<TenantSnapshot> {
  const ids =
    userIds ??
    (
      await db.query<{ user_id: string }>(
        'SELECT user_id::text FROM memberships WHERE tenant_id = $1 ORDER BY user_id',
        [tenantId],
      )
    ).rows.map((r) => r.user_id);
  const strip = VOLATILE.map((c) => ` - '${c}'`).join('');
  const part = (label: string, from: string, where: string): string =>
    `SELECT '${label}' AS t, count(*)::int AS n, md5(coalesce(string_agg(j, '|' ORDER BY j), '')) AS h
       FROM (SELECT (to_jsonb(x)${strip})::text AS j FROM ${from} x WHERE ${where}) s`;
  const sql = [
    part('tenants', 'tenants', 'x.id = $1'),
    part('users', 'users', 'x.id = ANY($2::uuid[])'),
    ...TENANT_TABLES.map((table) => part(table, table, 'x.tenant_id = $1')),
  ].join('\nUNION ALL\n');
  const { rows } = await db.query<{ t: string; n: number; h: string }>(sql, [tenantId, ids]);
  return { userIds: ids, tables: Object.fromEntries(rows.map((r) => [r.t, `${r.n} rows ${r.h}`])) };
}

/** Tables whose rows differ between two snapshots of the same tenant. */
export function snapshotDiff(before: TenantSnapshot, after: TenantSnapshot): string[] {
  return Object.keys(before.tables).filter((k) => before.tables[k] !== after.tables[k]);
}

/** Distinctive strings of a tenant (ids, slug, emails, model names, key prefixes) to look for in responses. */
export async function tenantIdentifiers(db: pg.Client, tenantId: string): Promise<string[]> {
  const { rows } = await db.query<{ v: string | null }>(
    `SELECT v FROM (
       SELECT id::text AS v FROM tenants WHERE id = $1
       UNION SELECT slug FROM tenants WHERE id = $1
       UNION SELECT name FROM tenants WHERE id = $1
       UNION SELECT user_id::text FROM memberships WHERE tenant_id = $1
       UNION SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.tenant_id = $1
       UNION SELECT id::text FROM sessions WHERE tenant_id = $1
       UNION SELECT id::text FROM api_keys WHERE tenant_id = $1
       UNION SELECT display_prefix FROM api_keys WHERE tenant_id = $1
       UNION SELECT id::text FROM invitations WHERE tenant_id = $1
       UNION SELECT email FROM invitations WHERE tenant_id = $1
       UNION SELECT id::text FROM models WHERE tenant_id = $1
       UNION SELECT name FROM models WHERE tenant_id = $1
       UNION SELECT description FROM models WHERE tenant_id = $1
       UNION SELECT id::text FROM webhooks WHERE tenant_id = $1
       UNION SELECT id::text FROM model_versions WHERE tenant_id = $1
       UNION SELECT id::text FROM promotion_requests WHERE tenant_id = $1
     ) s WHERE length(v) >= 8`,
    [tenantId],
  );
  return rows.map((r) => r.v).filter((v): v is string => v !== null);
}

/** Which of `needles` occur in `haystack` (case-insensitive). */
export function leaks(haystack: string, needles: readonly string[]): string[] {
  const lower = haystack.toLowerCase();
  return needles.filter((n) => lower.includes(n.toLowerCase()));
}
