import { Inject } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Limits, Permission } from '@arca/contracts';
import type { ModelModel as ModelRow } from '@arca/api-db';
import { Can, Ctx, UuidPipe, badInput, type TenantContext } from '@arca/api-core';
import { CreateModelInput, UpdateModelInput, type ModelVisibilityEnum } from './dto/model.inputs.js';
import { ModelConnection, ModelModel } from './models/model.model.js';
import { ModelsService } from './models.service.js';

const toModel = (m: ModelRow): ModelModel => ({
  id: m.id,
  name: m.name,
  description: m.description,
  tags: m.tags,
  visibility: m.visibility as ModelVisibilityEnum,
  archived: m.archivedAt !== null,
  archivedAt: m.archivedAt,
  createdAt: m.createdAt,
  updatedAt: m.updatedAt,
});

@Resolver(() => ModelModel)
export class ModelsResolver {
  constructor(@Inject(ModelsService) private readonly service: ModelsService) {}

  @Query(() => ModelModel)
  @Can(Permission.ModelsRead)
  async model(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<ModelModel> {
    return toModel(await this.service.get(ctx, id));
  }

  @Query(() => ModelConnection, {
    description: 'Models you can see, newest first; query matches name and description.',
  })
  @Can(Permission.ModelsRead)
  async models(
    @Ctx() ctx: TenantContext,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
    @Args('query', { type: () => String, nullable: true }) query?: string,
    @Args('tags', { type: () => [String], nullable: true }) tags?: string[],
    @Args('includeArchived', { type: () => Boolean, nullable: true }) includeArchived?: boolean,
  ): Promise<ModelConnection> {
    if (query && query.length > Limits.searchQueryMax) {
      throw badInput(`query must be at most ${Limits.searchQueryMax} characters`, { field: 'query' });
    }
    const page = await this.service.list(ctx, { first, after, query, tags, includeArchived });
    return {
      edges: page.rows.map(({ row, cursor }) => ({ cursor, node: toModel(row) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.rows.at(-1)?.cursor ?? null },
    };
  }

  @Mutation(() => ModelModel)
  @Can(Permission.ModelsCreate)
  async createModel(@Ctx() ctx: TenantContext, @Args('input') input: CreateModelInput): Promise<ModelModel> {
    return toModel(await this.service.create(ctx, input));
  }

  @Mutation(() => ModelModel)
  @Can(Permission.ModelsUpdate)
  async updateModel(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
    @Args('input') input: UpdateModelInput,
  ): Promise<ModelModel> {
    return toModel(await this.service.update(ctx, id, input));
  }

  @Mutation(() => ModelModel)
  @Can(Permission.ModelsArchive)
  async archiveModel(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<ModelModel> {
    return toModel(await this.service.setArchived(ctx, id, true));
  }

  @Mutation(() => ModelModel)
  @Can(Permission.ModelsArchive)
  async restoreModel(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<ModelModel> {
    return toModel(await this.service.setArchived(ctx, id, false));
  }
}
