// Every GraphQL document the SDK sends. Each document holds one operation and exactly the fragments it uses,
// so it validates on its own against apps/api/schema.graphql.

interface Fragment {
  readonly text: string;
  readonly uses: readonly Fragment[];
}

const fragment = (text: string, ...uses: Fragment[]): Fragment => ({ text, uses });

const USER = fragment('fragment UserFields on User { id email displayName }');
const TENANT = fragment('fragment TenantFields on Tenant { id slug name createdAt }');
const API_KEY = fragment(
  'fragment ApiKeyFields on ApiKey { id name displayPrefix scopes modelIds createdById createdAt expiresAt lastUsedAt revokedAt }',
);
const ME = fragment(
  'fragment MeFields on Me { principalKind user { ...UserFields } tenant { ...TenantFields } role permissions apiKey { ...ApiKeyFields } }',
  USER,
  TENANT,
  API_KEY,
);
const MEMBER = fragment('fragment MemberFields on Member { user { ...UserFields } role createdAt }', USER);
const INVITATION = fragment(
  'fragment InvitationFields on Invitation { id email role expiresAt createdAt acceptedAt revokedAt }',
);
const MODEL = fragment(
  'fragment ModelFields on Model { id name description tags visibility archived archivedAt createdAt updatedAt }',
);
const GRANT = fragment(
  'fragment ModelGrantFields on ModelGrant { modelId user { ...UserFields } role createdAt }',
  USER,
);
const AUDIT_EVENT = fragment(
  'fragment AuditEventFields on AuditEvent { seq eventId time sequencedAt action outcome actorKind actorId apiKeyId resourceType resourceId ip entry leafHash }',
);
const AUDIT_CHECKPOINT = fragment(
  'fragment AuditCheckpointFields on AuditCheckpoint { origin size rootHash note verifierKey signedAt }',
);
const AUDIT_ALERT = fragment(
  'fragment AuditAlertFields on AuditAlert { id rule subject windowStart eventCount firstSeq lastSeq details createdAt }',
);
const LOGIN_RESULT = fragment(
  'fragment LoginResultFields on LoginResult { token expiresAt me { ...MeFields } }',
  ME,
);

/** An operation followed by the transitive closure of its fragments, each once. */
function document(operation: string, ...uses: Fragment[]): string {
  const seen = new Set<string>();
  const visit = (f: Fragment): void => {
    if (seen.has(f.text)) return;
    seen.add(f.text);
    f.uses.forEach(visit);
  };
  uses.forEach(visit);
  return [operation, ...seen].join('\n');
}

// identity
export const MeDocument = document('query Me { me { ...MeFields } }', ME);
export const LoginDocument = document(
  'mutation Login($input: LoginInput!) { login(input: $input) { ...LoginResultFields } }',
  LOGIN_RESULT,
);
export const LogoutDocument = document('mutation Logout { logout }');
export const ChangePasswordDocument = document(
  'mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) }',
);
export const ApiKeysDocument = document(
  'query ApiKeys($all: Boolean) { apiKeys(all: $all) { ...ApiKeyFields } }',
  API_KEY,
);
export const CreateApiKeyDocument = document(
  'mutation CreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { ...ApiKeyFields } secret } }',
  API_KEY,
);
export const RevokeApiKeyDocument = document(
  'mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { ...ApiKeyFields } }',
  API_KEY,
);

// tenancy
export const TenantDocument = document('query Tenant { tenant { ...TenantFields } }', TENANT);
export const UpdateTenantDocument = document(
  'mutation UpdateTenant($input: UpdateTenantInput!) { updateTenant(input: $input) { ...TenantFields } }',
  TENANT,
);
export const MembersDocument = document(
  'query Members($first: Int, $after: String) { members(first: $first, after: $after) { edges { cursor node { ...MemberFields } } pageInfo { hasNextPage endCursor } } }',
  MEMBER,
);
export const InvitationsDocument = document(
  'query Invitations { invitations { ...InvitationFields } }',
  INVITATION,
);
export const InviteMemberDocument = document(
  'mutation InviteMember($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { ...InvitationFields } token } }',
  INVITATION,
);
export const RevokeInvitationDocument = document(
  'mutation RevokeInvitation($id: ID!) { revokeInvitation(id: $id) { ...InvitationFields } }',
  INVITATION,
);
export const AcceptInvitationDocument = document(
  'mutation AcceptInvitation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { ...LoginResultFields } }',
  LOGIN_RESULT,
);
export const UpdateMemberRoleDocument = document(
  'mutation UpdateMemberRole($input: UpdateMemberRoleInput!) { updateMemberRole(input: $input) { ...MemberFields } }',
  MEMBER,
);
export const RemoveMemberDocument = document(
  'mutation RemoveMember($userId: ID!) { removeMember(userId: $userId) }',
);

// models
export const ModelDocument = document('query Model($id: ID!) { model(id: $id) { ...ModelFields } }', MODEL);
export const ModelsDocument = document(
  'query Models($first: Int, $after: String, $query: String, $tags: [String!], $includeArchived: Boolean) { models(first: $first, after: $after, query: $query, tags: $tags, includeArchived: $includeArchived) { edges { cursor node { ...ModelFields } } pageInfo { hasNextPage endCursor } } }',
  MODEL,
);
export const CreateModelDocument = document(
  'mutation CreateModel($input: CreateModelInput!) { createModel(input: $input) { ...ModelFields } }',
  MODEL,
);
export const UpdateModelDocument = document(
  'mutation UpdateModel($id: ID!, $input: UpdateModelInput!) { updateModel(id: $id, input: $input) { ...ModelFields } }',
  MODEL,
);
export const ArchiveModelDocument = document(
  'mutation ArchiveModel($id: ID!) { archiveModel(id: $id) { ...ModelFields } }',
  MODEL,
);
export const RestoreModelDocument = document(
  'mutation RestoreModel($id: ID!) { restoreModel(id: $id) { ...ModelFields } }',
  MODEL,
);

// access (per-model grants)
export const ModelGrantsDocument = document(
  'query ModelGrants($modelId: ID!) { modelGrants(modelId: $modelId) { ...ModelGrantFields } }',
  GRANT,
);
export const GrantModelAccessDocument = document(
  'mutation GrantModelAccess($input: GrantModelAccessInput!) { grantModelAccess(input: $input) { ...ModelGrantFields } }',
  GRANT,
);
export const RevokeModelAccessDocument = document(
  'mutation RevokeModelAccess($modelId: ID!, $userId: ID!) { revokeModelAccess(modelId: $modelId, userId: $userId) }',
);

// audit log
export const AuditEventsDocument = document(
  'query AuditEvents($filter: AuditEventFilter, $first: Int, $after: String, $newestFirst: Boolean) { auditEvents(filter: $filter, first: $first, after: $after, newestFirst: $newestFirst) { edges { cursor node { ...AuditEventFields } } pageInfo { hasNextPage endCursor } } }',
  AUDIT_EVENT,
);
export const LatestCheckpointDocument = document(
  'query LatestCheckpoint { latestCheckpoint { ...AuditCheckpointFields } }',
  AUDIT_CHECKPOINT,
);
export const AuditCheckpointsDocument = document(
  'query AuditCheckpoints($afterSize: Float, $first: Int) { auditCheckpoints(afterSize: $afterSize, first: $first) { ...AuditCheckpointFields } }',
  AUDIT_CHECKPOINT,
);
export const InclusionProofDocument = document(
  'query InclusionProof($seq: Float!, $treeSize: Float!) { inclusionProof(seq: $seq, treeSize: $treeSize) { leafIndex treeSize leafHash rootHash proof } }',
);
export const ConsistencyProofDocument = document(
  'query ConsistencyProof($fromSize: Float!, $toSize: Float!) { consistencyProof(fromSize: $fromSize, toSize: $toSize) { size1 size2 root1 root2 proof } }',
);
export const AuditAlertsDocument = document(
  'query AuditAlerts($first: Int, $after: String) { auditAlerts(first: $first, after: $after) { edges { cursor node { ...AuditAlertFields } } pageInfo { hasNextPage endCursor } } }',
  AUDIT_ALERT,
);

// webhooks
const WEBHOOK = fragment(
  'fragment WebhookFields on Webhook { id url description events active disabledReason disabledAt previousSecretExpiresAt createdById createdAt updatedAt }',
);
const WEBHOOK_DELIVERY = fragment(
  'fragment WebhookDeliveryFields on WebhookDelivery { id webhookId eventId eventType payload status attempts attemptLog { attempt at durationMs statusCode error responseExcerpt } nextAttemptAt lastStatusCode lastError redeliveryOf createdAt deliveredAt }',
);
export const WebhooksDocument = document('query Webhooks { webhooks { ...WebhookFields } }', WEBHOOK);
export const WebhookDocument = document(
  'query Webhook($id: ID!) { webhook(id: $id) { ...WebhookFields } }',
  WEBHOOK,
);
export const WebhookDeliveriesDocument = document(
  'query WebhookDeliveries($webhookId: ID!, $first: Int, $after: String) { webhookDeliveries(webhookId: $webhookId, first: $first, after: $after) { edges { cursor node { ...WebhookDeliveryFields } } pageInfo { hasNextPage endCursor } } }',
  WEBHOOK_DELIVERY,
);
export const CreateWebhookDocument = document(
  'mutation CreateWebhook($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { ...WebhookFields } } }',
  WEBHOOK,
);
export const UpdateWebhookDocument = document(
  'mutation UpdateWebhook($id: ID!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { ...WebhookFields } }',
  WEBHOOK,
);
export const RotateWebhookSecretDocument = document(
  'mutation RotateWebhookSecret($id: ID!, $graceHours: Int) { rotateWebhookSecret(id: $id, graceHours: $graceHours) { secret webhook { ...WebhookFields } } }',
  WEBHOOK,
);
export const DeleteWebhookDocument = document(
  'mutation DeleteWebhook($id: ID!) { deleteWebhook(id: $id) { ...WebhookFields } }',
  WEBHOOK,
);
export const RedeliverWebhookDeliveryDocument = document(
  'mutation RedeliverWebhookDelivery($id: ID!) { redeliverWebhookDelivery(id: $id) { ...WebhookDeliveryFields } }',
  WEBHOOK_DELIVERY,
);
export const SendTestWebhookDocument = document(
  'mutation SendTestWebhook($id: ID!) { sendTestWebhook(id: $id) { ...WebhookDeliveryFields } }',
  WEBHOOK_DELIVERY,
);

// model versions and transfers (bytes travel over /v1/uploads and /v1/downloads, never through GraphQL)
const MODEL_VERSION = fragment(
  'fragment ModelVersionFields on ModelVersion { id modelId number state failureCode failureReason sizeBytes sha256 irVersion opsetImports { domain version } inputs { name elemType shape } outputs { name elemType shape } parameterCount producer parentVersionId description card { intendedUse limitations metrics } tags createdById createdAt readyAt archivedAt }',
);
const UPLOAD = fragment(
  'fragment UploadFields on Upload { id modelId url token state declaredSize receivedSize segmentSize expiresAt }',
);
export const ModelVersionDocument = document(
  'query ModelVersion($id: ID!) { modelVersion(id: $id) { ...ModelVersionFields } }',
  MODEL_VERSION,
);
export const ModelVersionsDocument = document(
  'query ModelVersions($modelId: ID!, $first: Int, $after: String, $state: VersionState, $tags: [String!], $query: String, $includeArchived: Boolean) { modelVersions(modelId: $modelId, first: $first, after: $after, state: $state, tags: $tags, query: $query, includeArchived: $includeArchived) { edges { cursor node { ...ModelVersionFields } } pageInfo { hasNextPage endCursor } } }',
  MODEL_VERSION,
);
export const ResolveModelVersionDocument = document(
  'query ResolveModelVersion($model: String!, $ref: String) { resolveModelVersion(model: $model, ref: $ref) { ...ModelVersionFields } }',
  MODEL_VERSION,
);
export const CreateUploadDocument = document(
  'mutation CreateUpload($input: CreateUploadInput!) { createUpload(input: $input) { ...UploadFields } }',
  UPLOAD,
);
export const FinalizeUploadDocument = document(
  'mutation FinalizeUpload($uploadId: ID!, $input: FinalizeUploadInput) { finalizeUpload(uploadId: $uploadId, input: $input) { ...ModelVersionFields } }',
  MODEL_VERSION,
);
export const AbortUploadDocument = document(
  'mutation AbortUpload($uploadId: ID!) { abortUpload(uploadId: $uploadId) }',
);
export const CreateDownloadDocument = document(
  'mutation CreateDownload($versionId: ID!) { createDownload(versionId: $versionId) { id versionId url expiresAt sizeBytes sha256 } }',
);

// keys and tenant deletion (owner, with a session)
export const RotateTenantKeyDocument = document(
  'mutation RotateTenantKey { rotateTenantKey { fromVersion toVersion rewrapped resumed } }',
);
export const DeleteTenantDocument = document(
  'mutation DeleteTenant($confirmSlug: String!) { deleteTenant(confirmSlug: $confirmSlug) { keysDestroyed versionsShredded } }',
);

// version lifecycle: aliases, promotions, metadata, archive, lineage, search, artifact policy
const MODEL_ALIAS = fragment(
  'fragment ModelAliasFields on ModelAlias { name modelId versionId versionNumber protected updatedAt updatedById }',
);
const PROMOTION_REQUEST = fragment(
  'fragment PromotionRequestFields on PromotionRequest { id modelId alias versionId versionNumber state reason requestedById decidedById decisionNote createdAt decidedAt }',
);
const ARTIFACT_POLICY = fragment(
  'fragment ArtifactPolicyFields on ArtifactPolicy { protectedAliases onnxAllowedDomains }',
);
export const ModelAliasesDocument = document(
  'query ModelAliases($modelId: ID!) { modelAliases(modelId: $modelId) { ...ModelAliasFields } }',
  MODEL_ALIAS,
);
export const SetAliasDocument = document(
  'mutation SetAlias($modelId: ID!, $alias: String!, $versionId: ID!) { setAlias(modelId: $modelId, alias: $alias, versionId: $versionId) { ...ModelAliasFields } }',
  MODEL_ALIAS,
);
export const DeleteAliasDocument = document(
  'mutation DeleteAlias($modelId: ID!, $alias: String!) { deleteAlias(modelId: $modelId, alias: $alias) }',
);
export const RequestPromotionDocument = document(
  'mutation RequestPromotion($input: RequestPromotionInput!) { requestPromotion(input: $input) { ...PromotionRequestFields } }',
  PROMOTION_REQUEST,
);
export const ApprovePromotionDocument = document(
  'mutation ApprovePromotion($id: ID!, $note: String) { approvePromotion(id: $id, note: $note) { ...PromotionRequestFields } }',
  PROMOTION_REQUEST,
);
export const RejectPromotionDocument = document(
  'mutation RejectPromotion($id: ID!, $note: String) { rejectPromotion(id: $id, note: $note) { ...PromotionRequestFields } }',
  PROMOTION_REQUEST,
);
export const CancelPromotionDocument = document(
  'mutation CancelPromotion($id: ID!) { cancelPromotion(id: $id) { ...PromotionRequestFields } }',
  PROMOTION_REQUEST,
);
export const PromotionRequestsDocument = document(
  'query PromotionRequests($modelId: ID, $state: PromotionState, $first: Int, $after: String) { promotionRequests(modelId: $modelId, state: $state, first: $first, after: $after) { edges { cursor node { ...PromotionRequestFields } } pageInfo { hasNextPage endCursor } } }',
  PROMOTION_REQUEST,
);
export const UpdateModelVersionDocument = document(
  'mutation UpdateModelVersion($id: ID!, $input: UpdateModelVersionInput!) { updateModelVersion(id: $id, input: $input) { ...ModelVersionFields } }',
  MODEL_VERSION,
);
export const ArchiveModelVersionDocument = document(
  'mutation ArchiveModelVersion($id: ID!) { archiveModelVersion(id: $id) { ...ModelVersionFields } }',
  MODEL_VERSION,
);
export const RestoreModelVersionDocument = document(
  'mutation RestoreModelVersion($id: ID!) { restoreModelVersion(id: $id) { ...ModelVersionFields } }',
  MODEL_VERSION,
);
export const LineageDocument = document(
  'query Lineage($versionId: ID!, $depth: Int) { lineage(versionId: $versionId, depth: $depth) { ...ModelVersionFields } }',
  MODEL_VERSION,
);
export const SearchModelVersionsDocument = document(
  'query SearchModelVersions($query: String, $tags: [String!], $state: VersionState, $first: Int, $after: String) { searchModelVersions(query: $query, tags: $tags, state: $state, first: $first, after: $after) { edges { cursor node { ...ModelVersionFields } } pageInfo { hasNextPage endCursor } } }',
  MODEL_VERSION,
);
export const ArtifactPolicyDocument = document(
  'query ArtifactPolicy { artifactPolicy { ...ArtifactPolicyFields } }',
  ARTIFACT_POLICY,
);
export const UpdateArtifactPolicyDocument = document(
  'mutation UpdateArtifactPolicy($input: UpdateArtifactPolicyInput!) { updateArtifactPolicy(input: $input) { ...ArtifactPolicyFields } }',
  ARTIFACT_POLICY,
);

/** All documents, keyed by the root field each one selects (the same keys as OPERATIONS in @arca/contracts). */
export const DOCUMENTS = {
  me: MeDocument,
  login: LoginDocument,
  logout: LogoutDocument,
  changePassword: ChangePasswordDocument,
  apiKeys: ApiKeysDocument,
  createApiKey: CreateApiKeyDocument,
  revokeApiKey: RevokeApiKeyDocument,
  tenant: TenantDocument,
  updateTenant: UpdateTenantDocument,
  members: MembersDocument,
  invitations: InvitationsDocument,
  inviteMember: InviteMemberDocument,
  revokeInvitation: RevokeInvitationDocument,
  acceptInvitation: AcceptInvitationDocument,
  updateMemberRole: UpdateMemberRoleDocument,
  removeMember: RemoveMemberDocument,
  model: ModelDocument,
  models: ModelsDocument,
  createModel: CreateModelDocument,
  updateModel: UpdateModelDocument,
  archiveModel: ArchiveModelDocument,
  restoreModel: RestoreModelDocument,
  modelGrants: ModelGrantsDocument,
  grantModelAccess: GrantModelAccessDocument,
  revokeModelAccess: RevokeModelAccessDocument,
  auditEvents: AuditEventsDocument,
  latestCheckpoint: LatestCheckpointDocument,
  auditCheckpoints: AuditCheckpointsDocument,
  inclusionProof: InclusionProofDocument,
  consistencyProof: ConsistencyProofDocument,
  auditAlerts: AuditAlertsDocument,
  webhooks: WebhooksDocument,
  webhook: WebhookDocument,
  webhookDeliveries: WebhookDeliveriesDocument,
  createWebhook: CreateWebhookDocument,
  updateWebhook: UpdateWebhookDocument,
  rotateWebhookSecret: RotateWebhookSecretDocument,
  deleteWebhook: DeleteWebhookDocument,
  redeliverWebhookDelivery: RedeliverWebhookDeliveryDocument,
  sendTestWebhook: SendTestWebhookDocument,
  modelVersion: ModelVersionDocument,
  modelVersions: ModelVersionsDocument,
  resolveModelVersion: ResolveModelVersionDocument,
  createUpload: CreateUploadDocument,
  finalizeUpload: FinalizeUploadDocument,
  abortUpload: AbortUploadDocument,
  createDownload: CreateDownloadDocument,
  rotateTenantKey: RotateTenantKeyDocument,
  deleteTenant: DeleteTenantDocument,
  modelAliases: ModelAliasesDocument,
  setAlias: SetAliasDocument,
  deleteAlias: DeleteAliasDocument,
  requestPromotion: RequestPromotionDocument,
  approvePromotion: ApprovePromotionDocument,
  rejectPromotion: RejectPromotionDocument,
  cancelPromotion: CancelPromotionDocument,
  promotionRequests: PromotionRequestsDocument,
  updateModelVersion: UpdateModelVersionDocument,
  archiveModelVersion: ArchiveModelVersionDocument,
  restoreModelVersion: RestoreModelVersionDocument,
  lineage: LineageDocument,
  searchModelVersions: SearchModelVersionsDocument,
  artifactPolicy: ArtifactPolicyDocument,
  updateArtifactPolicy: UpdateArtifactPolicyDocument,
} as const satisfies Record<string, string>;

export type DocumentName = keyof typeof DOCUMENTS;
