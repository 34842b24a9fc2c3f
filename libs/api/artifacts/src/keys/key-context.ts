// Associated data that binds every wrapped key and every ciphertext to where it belongs. A wrapped DEK copied to
// another blob, or a KEK copied to another tenant or version, no longer authenticates.

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Binds a tenant KEK (wrapped by the master key) to its tenant and version. */
export const kekContext = (tenantId: string, version: number): Buffer =>
  utf8(`arca:kek:v1:${tenantId}:${version}`);

/** Binds a blob's DEK (wrapped by the tenant KEK) to its tenant, model and blob. */
export const dekContext = (tenantId: string, modelId: string, blobId: string): Buffer =>
  utf8(`arca:dek:v1:${tenantId}/${modelId}/${blobId}`);

/** The streaming-AEAD associated data of a blob: tenant, model and version (the blob id is the version id). */
export const blobContext = (tenantId: string, modelId: string, blobId: string): Buffer =>
  utf8(`arca/v1/tenant/${tenantId}/model/${modelId}/version/${blobId}`);
