export { ArtifactsModule } from './artifacts.module.js';
export { VersionsService, parseVersionRef, type VersionRef } from './versions/versions.service.js';
export { TenantKeysService } from './keys/tenant-keys.service.js';
export { KeyHierarchy } from './keys/key-hierarchy.service.js';
export { ModelVersionConnection, ModelVersionModel, VersionStateEnum } from './models/model-version.model.js';
export { toVersion } from './models/mappers.js';
export { blobContext, dekContext, kekContext } from './keys/key-context.js';
export { BLOB_PARAMS, BlobLayout } from './blobs/blob-layout.js';
export { BlobStore, type OpenBlob } from './blobs/blob-store.js';
