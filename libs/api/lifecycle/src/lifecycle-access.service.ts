import { Inject, Injectable } from '@nestjs/common';
import type { Permission } from '@arca/contracts';
import type { ModelModel, ModelVersionModel } from '@arca/api-db';
import { notFound, type DomainError, type TenantContext } from '@arca/api-core';
import { ModelsService } from '@arca/api-models';
import { isNotFound } from './lifecycle.errors.js';
import { VersionLifecycleRepository } from './versions/version-lifecycle.repository.js';

/** Resource checks shared by the lifecycle services; call inside their tenant transaction. */
@Injectable()
export class LifecycleAccess {
  constructor(
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(VersionLifecycleRepository) private readonly versions: VersionLifecycleRepository,
  ) {}

  /** The model if the principal holds `permission` on it; NOT_FOUND when they cannot see it. */
  model(ctx: TenantContext, modelId: string, permission: Permission): Promise<ModelModel> {
    return this.models.authorize(ctx, modelId, permission);
  }

  /**
   * Like `model`, for a model reached through another resource: a model the principal cannot see answers
   * `hidden` (e.g. "promotion request not found"), exactly like an id that does not exist.
   */
  async modelOf(
    ctx: TenantContext,
    modelId: string,
    permission: Permission,
    hidden: () => DomainError,
  ): Promise<ModelModel> {
    try {
      return await this.models.authorize(ctx, modelId, permission);
    } catch (error) {
      if (isNotFound(error)) throw hidden();
      throw error;
    }
  }

  /** A version and its model, if the principal holds `permission` on the model; NOT_FOUND otherwise. */
  async version(
    ctx: TenantContext,
    id: string,
    permission: Permission,
  ): Promise<{ version: ModelVersionModel; model: ModelModel }> {
    const version = await this.versions.find(ctx.tenantId, id);
    if (!version) throw notFound('model version');
    const model = await this.modelOf(ctx, version.modelId, permission, () => notFound('model version'));
    return { version, model };
  }

  /** Whether the principal holds `permission` on a model (false, not an error, when it does not). */
  async holds(ctx: TenantContext, modelId: string, permission: Permission): Promise<boolean> {
    try {
      await this.models.authorize(ctx, modelId, permission);
      return true;
    } catch (error) {
      if (isNotFound(error) || (error as { code?: string }).code === 'FORBIDDEN') return false;
      throw error;
    }
  }
}
