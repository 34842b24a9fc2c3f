import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@arca/api-artifacts';
import { ModelsModule } from '@arca/api-models';
import { WebhooksModule } from '@arca/api-webhooks';
import { AliasesRepository } from './aliases/aliases.repository.js';
import { AliasesService } from './aliases/aliases.service.js';
import { LifecycleAccess } from './lifecycle-access.service.js';
import { LifecycleRepository } from './lifecycle.repository.js';
import { LifecycleResolver } from './lifecycle.resolver.js';
import { ArtifactPolicyService } from './policy.service.js';
import { PromotionsRepository } from './promotions/promotions.repository.js';
import { PromotionsService } from './promotions/promotions.service.js';
import { VersionLifecycleRepository } from './versions/version-lifecycle.repository.js';
import { VersionLifecycleService } from './versions/version-lifecycle.service.js';

/** Version lifecycle: aliases, promotion requests, metadata and model cards, archiving, lineage, search, policy. */
@Module({
  imports: [ModelsModule, ArtifactsModule, WebhooksModule],
  providers: [
    LifecycleRepository,
    AliasesRepository,
    PromotionsRepository,
    VersionLifecycleRepository,
    LifecycleAccess,
    AliasesService,
    PromotionsService,
    VersionLifecycleService,
    ArtifactPolicyService,
    LifecycleResolver,
  ],
  exports: [AliasesService, PromotionsService, VersionLifecycleService, ArtifactPolicyService],
})
export class LifecycleModule {}
