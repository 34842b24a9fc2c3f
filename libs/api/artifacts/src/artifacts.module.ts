import { Module } from '@nestjs/common';
import { SERVER_SECRETS, type ServerSecrets } from '@arca/api-core';
import { TokenHasher } from '@arca/api-identity';
import { ModelsModule } from '@arca/api-models';
import { WebhooksModule } from '@arca/api-webhooks';
import { ArtifactsResolver } from './artifacts.resolver.js';
import { ArtifactJobs } from './jobs/artifact-jobs.js';
import { BlobStore } from './blobs/blob-store.js';
import { BlobsRepository } from './blobs/blobs.repository.js';
import { DownloadsController } from './downloads/downloads.controller.js';
import { DownloadsRepository } from './downloads/downloads.repository.js';
import { DownloadsService } from './downloads/downloads.service.js';
import { KeyHierarchy } from './keys/key-hierarchy.service.js';
import { KeysRepository } from './keys/keys.repository.js';
import { KeysResolver } from './keys/keys.resolver.js';
import { TenantKeysService } from './keys/tenant-keys.service.js';
import { UploadsController } from './uploads/uploads.controller.js';
import { UploadsService } from './uploads/uploads.service.js';
import { ValidationService } from './versions/validation.service.js';
import { VersionsRepository } from './versions/versions.repository.js';
import { VersionsService } from './versions/versions.service.js';

/** Encrypted model versions: staged uploads, validation, downloads, and the key hierarchy behind them. */
@Module({
  imports: [ModelsModule, WebhooksModule],
  controllers: [UploadsController, DownloadsController],
  providers: [
    {
      provide: TokenHasher,
      useFactory: (s: ServerSecrets) => new TokenHasher(s.tokenPepper),
      inject: [SERVER_SECRETS],
    },
    KeysRepository,
    KeyHierarchy,
    TenantKeysService,
    BlobsRepository,
    BlobStore,
    VersionsRepository,
    ValidationService,
    VersionsService,
    UploadsService,
    DownloadsRepository,
    DownloadsService,
    ArtifactsResolver,
    ArtifactJobs,
    KeysResolver,
  ],
  exports: [VersionsService, TenantKeysService, KeyHierarchy, BlobStore],
})
export class ArtifactsModule {}
