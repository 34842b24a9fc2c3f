export { ArcaClient, type ArcaClientOptions } from './client.js';
export {
  ArcaError,
  isArcaError,
  type ArcaErrorCode,
  type ArcaErrorOptions,
  type GraphqlErrorBody,
} from './errors.js';
export * from './documents.js';
export type * from './types.js';
export { toGraphqlRole, fromGraphqlRole } from './roles.js';
export { isLoopbackHost, parseServerUrl } from './server-url.js';
export { DEFAULT_TIMEOUT_MS } from './transport.js';
export { SDK_VERSION } from './version.js';
export { ModelsApi, type GetByNameOptions } from './resources/models.js';
export { ApiKeysApi } from './resources/api-keys.js';
export { GrantsApi } from './resources/grants.js';
export { InvitationsApi, MembersApi, TenantApi } from './resources/tenancy.js';
export { AuditApi } from './resources/audit.js';
export {
  verifyAuditLog,
  type AuditVerification,
  type AuditVerifierState,
  type AuditProblemKind,
  type VerifyAuditLogOptions,
} from './audit-verify.js';
export {
  verifyWebhookSignature,
  type VerifyWebhookSignatureOptions,
  type WebhookVerification,
} from './webhook-signature.js';
export { VersionsApi } from './versions.js';
export { AliasesApi } from './versions-aliases.js';
export type * from './versions-types.js';
export { TransfersApi } from './transfers/transfers.js';
export {
  VersionFailedError,
  type TransferOptions,
  type TransferProgress,
  type TransferRetry,
} from './transfers/http.js';
export { blobSource, bytesSource, type UploadOptions, type UploadSource } from './transfers/upload.js';
export { type DownloadOptions, type DownloadResult, type DownloadSink } from './transfers/download.js';
export { createSha256, type Sha256 } from './transfers/sha256.js';
