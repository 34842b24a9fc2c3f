// Result and input types mirroring the GraphQL schema. DateTime values are ISO-8601 strings.
import type { Permission, Role } from '@arca/contracts';

/** Roles as the GraphQL enum spells them. `Role` from @arca/contracts is the lowercase form. */
export type GraphqlRole = Uppercase<Role>;
/** Role arguments accept either spelling; the SDK sends the GraphQL one. */
export type RoleInput = Role | GraphqlRole;
export type PrincipalKind = 'SESSION' | 'API_KEY';
export type ModelVisibility = 'INTERNAL' | 'RESTRICTED';
export type DateTime = string;

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}
export interface Edge<T> {
  cursor: string;
  node: T;
}
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}
/** A connection flattened for callers: the nodes in order plus the page info. */
export interface Page<T> {
  items: T[];
  pageInfo: PageInfo;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
}
export interface Tenant {
  id: string;
  slug: string;
  name: string;
  createdAt: DateTime;
}
export interface ApiKey {
  id: string;
  name: string;
  displayPrefix: string;
  scopes: string[];
  modelIds: string[];
  createdById: string;
  createdAt: DateTime;
  expiresAt: DateTime | null;
  lastUsedAt: DateTime | null;
  revokedAt: DateTime | null;
}
export interface Me {
  principalKind: PrincipalKind;
  user: User;
  tenant: Tenant;
  role: GraphqlRole;
  permissions: string[];
  apiKey: ApiKey | null;
}
export interface Member {
  user: User;
  role: GraphqlRole;
  createdAt: DateTime;
}
export interface Invitation {
  id: string;
  email: string;
  role: GraphqlRole;
  expiresAt: DateTime;
  createdAt: DateTime;
  acceptedAt: DateTime | null;
  revokedAt: DateTime | null;
}
export interface CreatedInvitation {
  invitation: Invitation;
  /** Shown once; hand it to the invitee. */
  token: string;
}
export interface Model {
  id: string;
  name: string;
  description: string;
  tags: string[];
  visibility: ModelVisibility;
  archived: boolean;
  archivedAt: DateTime | null;
  createdAt: DateTime;
  updatedAt: DateTime;
}
export interface ModelGrant {
  modelId: string;
  user: User;
  role: GraphqlRole;
  createdAt: DateTime;
}
export interface LoginResult {
  /** Null when the session was set as an HttpOnly cookie (`cookie: true`, browsers only). */
  token: string | null;
  expiresAt: DateTime;
  me: Me;
}
export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The full key. Shown once; store it like a password. */
  secret: string;
}
export interface HealthStatus {
  /** GET /healthz answered 2xx: the process is up. */
  healthy: boolean;
  /** GET /readyz answered 2xx: the process can serve requests (database reachable …). */
  ready: boolean;
}

// Inputs

export interface LoginInput {
  email: string;
  password: string;
  tenantSlug?: string;
  /** Browser login: the server sets an HttpOnly session cookie and returns no token. */
  cookie?: boolean;
}
export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}
export interface CreateApiKeyInput {
  name: string;
  scopes: readonly Permission[];
  modelIds?: readonly string[];
  expiresInDays?: number;
}
export interface UpdateTenantInput {
  name: string;
}
export interface InviteMemberInput {
  email: string;
  role: RoleInput;
}
export interface AcceptInvitationInput {
  token: string;
  password: string;
  displayName?: string;
}
export interface CreateModelInput {
  name: string;
  description?: string;
  tags?: readonly string[];
  visibility?: ModelVisibility;
}
export interface UpdateModelInput {
  name?: string;
  description?: string;
  tags?: readonly string[];
  visibility?: ModelVisibility;
}
export interface GrantModelAccessInput {
  modelId: string;
  userId: string;
  role: RoleInput;
}
export interface PageOptions {
  /** Page size; the server caps it (Limits.pageSizeMax). */
  first?: number;
  after?: string;
}
export interface ListModelsOptions extends PageOptions {
  query?: string;
  tags?: readonly string[];
  includeArchived?: boolean;
}

// audit log
export type AuditOutcome = 'success' | 'denied' | 'error';
export interface AuditEvent {
  seq: number;
  eventId: string;
  time: DateTime;
  sequencedAt: DateTime;
  action: string;
  outcome: AuditOutcome;
  actorKind: 'user' | 'system' | 'anonymous';
  actorId: string | null;
  apiKeyId: string | null;
  resourceType: string | null;
  resourceId: string | null;
  ip: string | null;
  /** The canonical JSON whose UTF-8 bytes are the Merkle leaf. */
  entry: string;
  leafHash: string;
}
export interface AuditEventFilter {
  actorId?: string;
  apiKeyId?: string;
  /** Exact action, or a prefix ending in a dot (`model.`). */
  action?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: 'SUCCESS' | 'DENIED' | 'ERROR';
  from?: DateTime;
  to?: DateTime;
}
export interface ListAuditEventsOptions extends PageOptions {
  filter?: AuditEventFilter;
  /** Default true. */
  newestFirst?: boolean;
}
export interface AuditCheckpoint {
  origin: string;
  size: number;
  rootHash: string;
  /** C2SP signed note. */
  note: string;
  /** C2SP verifier key of the tenant log. */
  verifierKey: string;
  signedAt: DateTime;
}
export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  proof: string[];
}
export interface ConsistencyProof {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
}
export interface AuditAlert {
  id: string;
  rule: string;
  subject: string;
  windowStart: DateTime;
  eventCount: number;
  firstSeq: number;
  lastSeq: number;
  /** JSON object. */
  details: string;
  createdAt: DateTime;
}
/** Lines of `GET /v1/audit/export`. */
export type AuditExportLine =
  | {
      type: 'checkpoint';
      size: number;
      origin?: string;
      rootHash?: string;
      note?: string;
      verifierKey?: string;
    }
  | { type: 'entry'; seq: number; entry: string; leafHash: string; proof?: string[] };
