import { Inject, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Limits, Permission } from '@arca/contracts';
import { Can, Ctx, UuidPipe, badInput, type TenantContext } from '@arca/api-core';
import { ModelVersionConnection, ModelVersionModel, VersionStateEnum, toVersion } from '@arca/api-artifacts';
import { AliasesService } from './aliases/aliases.service.js';
import {
  RequestPromotionInput,
  UpdateArtifactPolicyInput,
  UpdateModelVersionInput,
} from './dto/lifecycle.inputs.js';
import {
  ArtifactPolicyModel,
  ModelAliasModel,
  PromotionRequestConnection,
  PromotionRequestModel,
  PromotionStateEnum,
} from './models/lifecycle.models.js';
import { toAlias, toPromotion } from './models/mappers.js';
import { ArtifactPolicyService } from './policy.service.js';
import { PromotionsService } from './promotions/promotions.service.js';
import { VersionLifecycleService } from './versions/version-lifecycle.service.js';

const NOTE_MAX = 1000;

/** Like UuidPipe for an optional ID argument: absent or null stays absent. */
class OptionalUuidPipe implements PipeTransform<unknown, string | undefined> {
  private readonly inner = new UuidPipe();
  transform(value: unknown, meta: ArgumentMetadata): string | undefined {
    return value === undefined || value === null ? undefined : this.inner.transform(value, meta);
  }
}

function checkLength(value: string | null | undefined, max: number, field: string): void {
  if (value !== null && value !== undefined && value.length > max) {
    throw badInput(`${field} must be at most ${max} characters`, { field });
  }
}

/** GraphQL edge of the version lifecycle: aliases, promotions, metadata, archiving, lineage, search, policy. */
@Resolver()
export class LifecycleResolver {
  constructor(
    @Inject(AliasesService) private readonly aliases: AliasesService,
    @Inject(PromotionsService) private readonly promotions: PromotionsService,
    @Inject(VersionLifecycleService) private readonly versions: VersionLifecycleService,
    @Inject(ArtifactPolicyService) private readonly policy: ArtifactPolicyService,
  ) {}

  // aliases -------------------------------------------------------------------------------------------------

  @Query(() => [ModelAliasModel], { description: 'Aliases of a model, by name.' })
  @Can(Permission.ModelsRead)
  async modelAliases(
    @Ctx() ctx: TenantContext,
    @Args('modelId', { type: () => ID }, UuidPipe) modelId: string,
  ): Promise<ModelAliasModel[]> {
    const { rows, protectedAliases } = await this.aliases.list(ctx, modelId);
    return rows.map((r) => toAlias(r, protectedAliases));
  }

  @Mutation(() => ModelAliasModel, {
    description:
      'Points an unprotected alias at a ready version of the model (protected aliases: requestPromotion).',
  })
  @Can(Permission.VersionsManage)
  async setAlias(
    @Ctx() ctx: TenantContext,
    @Args('modelId', { type: () => ID }, UuidPipe) modelId: string,
    @Args('alias') alias: string,
    @Args('versionId', { type: () => ID }, UuidPipe) versionId: string,
  ): Promise<ModelAliasModel> {
    const { row, protectedAliases } = await this.aliases.set(ctx, modelId, alias, versionId);
    return toAlias(row, protectedAliases);
  }

  @Mutation(() => Boolean, { description: 'Removes an alias; a protected one only by an owner or admin.' })
  @Can(Permission.VersionsManage)
  async deleteAlias(
    @Ctx() ctx: TenantContext,
    @Args('modelId', { type: () => ID }, UuidPipe) modelId: string,
    @Args('alias') alias: string,
  ): Promise<boolean> {
    return this.aliases.delete(ctx, modelId, alias);
  }

  // promotions ----------------------------------------------------------------------------------------------

  @Mutation(() => PromotionRequestModel, { description: 'Asks an approver to point an alias at a version.' })
  @Can(Permission.VersionsManage)
  async requestPromotion(
    @Ctx() ctx: TenantContext,
    @Args('input') input: RequestPromotionInput,
  ): Promise<PromotionRequestModel> {
    return toPromotion(await this.promotions.request(ctx, input));
  }

  @Mutation(() => PromotionRequestModel, {
    description:
      'Approves a pending request and moves the alias. Neither the uploader nor the requester may approve.',
  })
  @Can(Permission.PromotionsApprove)
  async approvePromotion(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
    @Args('note', { type: () => String, nullable: true }) note?: string,
  ): Promise<PromotionRequestModel> {
    checkLength(note, NOTE_MAX, 'note');
    return toPromotion(await this.promotions.approve(ctx, id, note));
  }

  @Mutation(() => PromotionRequestModel)
  @Can(Permission.PromotionsApprove)
  async rejectPromotion(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
    @Args('note', { type: () => String, nullable: true }) note?: string,
  ): Promise<PromotionRequestModel> {
    checkLength(note, NOTE_MAX, 'note');
    return toPromotion(await this.promotions.reject(ctx, id, note));
  }

  @Mutation(() => PromotionRequestModel, {
    description: 'Withdraws a pending request (its requester, or an admin).',
  })
  @Can(Permission.VersionsManage)
  async cancelPromotion(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<PromotionRequestModel> {
    return toPromotion(await this.promotions.cancel(ctx, id));
  }

  @Query(() => PromotionRequestConnection, { description: 'Promotion requests, newest first.' })
  @Can(Permission.ModelsRead)
  async promotionRequests(
    @Ctx() ctx: TenantContext,
    @Args('modelId', { type: () => ID, nullable: true }, OptionalUuidPipe) modelId?: string,
    @Args('state', { type: () => PromotionStateEnum, nullable: true }) state?: PromotionStateEnum,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ): Promise<PromotionRequestConnection> {
    const page = await this.promotions.list(ctx, { modelId, state, first, after });
    return {
      edges: page.rows.map(({ row, cursor }) => ({ cursor, node: toPromotion(row) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.rows.at(-1)?.cursor ?? null },
    };
  }

  // versions ------------------------------------------------------------------------------------------------

  @Mutation(() => ModelVersionModel, {
    description: 'Changes version metadata: description, tags, model card.',
  })
  @Can(Permission.VersionsManage)
  async updateModelVersion(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
    @Args('input') input: UpdateModelVersionInput,
  ): Promise<ModelVersionModel> {
    return toVersion(await this.versions.update(ctx, id, input));
  }

  @Mutation(() => ModelVersionModel, {
    description:
      'Archives a version (refused while a protected alias points at it; unprotected aliases are removed).',
  })
  @Can(Permission.VersionsManage)
  async archiveModelVersion(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<ModelVersionModel> {
    return toVersion(await this.versions.archive(ctx, id));
  }

  @Mutation(() => ModelVersionModel)
  @Can(Permission.VersionsManage)
  async restoreModelVersion(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<ModelVersionModel> {
    return toVersion(await this.versions.restore(ctx, id));
  }

  @Query(() => [ModelVersionModel], {
    description: 'Ancestors of a version (parent first), up to depth (default 10, at most 50).',
  })
  @Can(Permission.ModelsRead)
  async lineage(
    @Ctx() ctx: TenantContext,
    @Args('versionId', { type: () => ID }, UuidPipe) versionId: string,
    @Args('depth', { type: () => Int, nullable: true }) depth?: number,
  ): Promise<ModelVersionModel[]> {
    return (await this.versions.lineage(ctx, versionId, depth)).map(toVersion);
  }

  @Query(() => ModelVersionConnection, {
    description:
      'Versions across every model the caller can see, newest first (archived versions and models excluded). ' +
      "query matches the version's description or its model's name.",
  })
  @Can(Permission.ModelsRead)
  async searchModelVersions(
    @Ctx() ctx: TenantContext,
    @Args('query', { type: () => String, nullable: true }) query?: string,
    @Args('tags', { type: () => [String], nullable: true }) tags?: string[],
    @Args('state', { type: () => VersionStateEnum, nullable: true }) state?: VersionStateEnum,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ): Promise<ModelVersionConnection> {
    checkLength(query, Limits.searchQueryMax, 'query');
    const page = await this.versions.search(ctx, { query, tags, state, first, after });
    return {
      edges: page.rows.map(({ row, cursor }) => ({ cursor, node: toVersion(row) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.rows.at(-1)?.cursor ?? null },
    };
  }

  // policy --------------------------------------------------------------------------------------------------

  @Query(() => ArtifactPolicyModel)
  @Can(Permission.TenantRead)
  async artifactPolicy(@Ctx() ctx: TenantContext): Promise<ArtifactPolicyModel> {
    return this.policy.get(ctx);
  }

  @Mutation(() => ArtifactPolicyModel)
  @Can(Permission.TenantUpdate)
  async updateArtifactPolicy(
    @Ctx() ctx: TenantContext,
    @Args('input') input: UpdateArtifactPolicyInput,
  ): Promise<ArtifactPolicyModel> {
    return this.policy.update(ctx, input);
  }
}
