import { Permission } from './permissions.js';

/**
 * Access rule of every GraphQL operation. `public`: no credentials; `authenticated`: any principal;
 * otherwise the permission the principal must hold. `sessionOnly` operations refuse API keys
 * (a leaked key cannot mint keys or change passwords). The API refuses to boot if a resolver's
 * decorator disagrees with this table or an operation is missing from it.
 */
export type OperationAccess =
  | { readonly kind: 'query' | 'mutation'; readonly access: 'public' }
  | { readonly kind: 'query' | 'mutation'; readonly access: 'authenticated'; readonly sessionOnly?: boolean }
  | { readonly kind: 'query' | 'mutation'; readonly access: Permission; readonly sessionOnly?: boolean };

export const OPERATIONS = {
  // identity
  me: { kind: 'query', access: 'authenticated' },
  login: { kind: 'mutation', access: 'public' },
  logout: { kind: 'mutation', access: 'authenticated', sessionOnly: true },
  changePassword: { kind: 'mutation', access: 'authenticated', sessionOnly: true },
  apiKeys: { kind: 'query', access: Permission.ApiKeysOwn },
  createApiKey: { kind: 'mutation', access: Permission.ApiKeysOwn, sessionOnly: true },
  revokeApiKey: { kind: 'mutation', access: Permission.ApiKeysOwn },
  // tenancy
  tenant: { kind: 'query', access: Permission.TenantRead },
  updateTenant: { kind: 'mutation', access: Permission.TenantUpdate },
  members: { kind: 'query', access: Permission.MembersRead },
  invitations: { kind: 'query', access: Permission.MembersManage },
  inviteMember: { kind: 'mutation', access: Permission.MembersManage },
  revokeInvitation: { kind: 'mutation', access: Permission.MembersManage },
  acceptInvitation: { kind: 'mutation', access: 'public' },
  updateMemberRole: { kind: 'mutation', access: Permission.MembersManage },
  removeMember: { kind: 'mutation', access: Permission.MembersManage },
  // models
  model: { kind: 'query', access: Permission.ModelsRead },
  models: { kind: 'query', access: Permission.ModelsRead },
  createModel: { kind: 'mutation', access: Permission.ModelsCreate },
  updateModel: { kind: 'mutation', access: Permission.ModelsUpdate },
  archiveModel: { kind: 'mutation', access: Permission.ModelsArchive },
  restoreModel: { kind: 'mutation', access: Permission.ModelsArchive },
  // access (per-model grants)
  modelGrants: { kind: 'query', access: Permission.ModelGrantsManage },
  grantModelAccess: { kind: 'mutation', access: Permission.ModelGrantsManage },
  revokeModelAccess: { kind: 'mutation', access: Permission.ModelGrantsManage },
  // audit log
  auditEvents: { kind: 'query', access: Permission.AuditRead },
  latestCheckpoint: { kind: 'query', access: Permission.AuditRead },
  auditCheckpoints: { kind: 'query', access: Permission.AuditRead },
  inclusionProof: { kind: 'query', access: Permission.AuditRead },
  consistencyProof: { kind: 'query', access: Permission.AuditRead },
  auditAlerts: { kind: 'query', access: Permission.AuditRead },
  // model versions (artifacts)
  modelVersion: { kind: 'query', access: Permission.ModelsRead },
  modelVersions: { kind: 'query', access: Permission.ModelsRead },
  resolveModelVersion: { kind: 'query', access: Permission.ModelsRead },
  createUpload: { kind: 'mutation', access: Permission.VersionsUpload },
  finalizeUpload: { kind: 'mutation', access: Permission.VersionsUpload },
  abortUpload: { kind: 'mutation', access: Permission.VersionsUpload },
  createDownload: { kind: 'mutation', access: Permission.VersionsDownloadRaw },
  // keys and tenant deletion (owner; a leaked API key can do neither)
  rotateTenantKey: { kind: 'mutation', access: Permission.KeysRotate, sessionOnly: true },
  deleteTenant: { kind: 'mutation', access: Permission.TenantDelete, sessionOnly: true },
  // webhooks
  webhooks: { kind: 'query', access: Permission.WebhooksManage },
  webhook: { kind: 'query', access: Permission.WebhooksManage },
  webhookDeliveries: { kind: 'query', access: Permission.WebhooksManage },
  createWebhook: { kind: 'mutation', access: Permission.WebhooksManage },
  updateWebhook: { kind: 'mutation', access: Permission.WebhooksManage },
  rotateWebhookSecret: { kind: 'mutation', access: Permission.WebhooksManage },
  deleteWebhook: { kind: 'mutation', access: Permission.WebhooksManage },
  redeliverWebhookDelivery: { kind: 'mutation', access: Permission.WebhooksManage },
  sendTestWebhook: { kind: 'mutation', access: Permission.WebhooksManage },
  // version lifecycle: aliases, promotions, metadata, archive, lineage, search, artifact policy
  modelAliases: { kind: 'query', access: Permission.ModelsRead },
  setAlias: { kind: 'mutation', access: Permission.VersionsManage },
  deleteAlias: { kind: 'mutation', access: Permission.VersionsManage },
  requestPromotion: { kind: 'mutation', access: Permission.VersionsManage },
  approvePromotion: { kind: 'mutation', access: Permission.PromotionsApprove },
  rejectPromotion: { kind: 'mutation', access: Permission.PromotionsApprove },
  cancelPromotion: { kind: 'mutation', access: Permission.VersionsManage },
  promotionRequests: { kind: 'query', access: Permission.ModelsRead },
  updateModelVersion: { kind: 'mutation', access: Permission.VersionsManage },
  archiveModelVersion: { kind: 'mutation', access: Permission.VersionsManage },
  restoreModelVersion: { kind: 'mutation', access: Permission.VersionsManage },
  lineage: { kind: 'query', access: Permission.ModelsRead },
  searchModelVersions: { kind: 'query', access: Permission.ModelsRead },
  artifactPolicy: { kind: 'query', access: Permission.TenantRead },
  updateArtifactPolicy: { kind: 'mutation', access: Permission.TenantUpdate },
} as const satisfies Record<string, OperationAccess>;

export type OperationName = keyof typeof OPERATIONS;

export function operationAccess(name: string): OperationAccess | undefined {
  return (OPERATIONS as Record<string, OperationAccess>)[name];
}
