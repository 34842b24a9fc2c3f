import { Inject } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Permission } from '@arca/contracts';
import { Can, Ctx, UuidPipe, type RoleEnum, type TenantContext } from '@arca/api-core';
import { GrantModelAccessInput } from './dto/grant-model-access.input.js';
import type { GrantRow } from './model-grant.repository.js';
import { ModelGrantsService } from './model-grants.service.js';
import { ModelGrantModel } from './models/model-grant.model.js';

const toGrant = (g: GrantRow): ModelGrantModel => ({
  modelId: g.modelId,
  user: { id: g.user.id, email: g.user.email, displayName: g.user.displayName },
  role: g.role as RoleEnum,
  createdAt: g.createdAt,
});

@Resolver(() => ModelGrantModel)
export class ModelGrantsResolver {
  constructor(@Inject(ModelGrantsService) private readonly service: ModelGrantsService) {}

  @Query(() => [ModelGrantModel])
  @Can(Permission.ModelGrantsManage)
  async modelGrants(
    @Ctx() ctx: TenantContext,
    @Args('modelId', { type: () => ID }, UuidPipe) modelId: string,
  ): Promise<ModelGrantModel[]> {
    return (await this.service.list(ctx, modelId)).map(toGrant);
  }

  @Mutation(() => ModelGrantModel)
  @Can(Permission.ModelGrantsManage)
  async grantModelAccess(
    @Ctx() ctx: TenantContext,
    @Args('input') input: GrantModelAccessInput,
  ): Promise<ModelGrantModel> {
    return toGrant(
      await this.service.grant(ctx, input.modelId.toLowerCase(), input.userId.toLowerCase(), input.role),
    );
  }

  @Mutation(() => Boolean, { description: 'True if a grant was removed.' })
  @Can(Permission.ModelGrantsManage)
  async revokeModelAccess(
    @Ctx() ctx: TenantContext,
    @Args('modelId', { type: () => ID }, UuidPipe) modelId: string,
    @Args('userId', { type: () => ID }, UuidPipe) userId: string,
  ): Promise<boolean> {
    return this.service.revoke(ctx, modelId, userId);
  }
}
