import { Inject } from '@nestjs/common';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Permission } from '@arca/contracts';
import { Can, Ctx, type TenantContext } from '@arca/api-core';
import { TenantModel, toTenant } from '@arca/api-identity';
import { UpdateTenantInput } from './dto/tenancy.inputs.js';
import { TenantsService } from './tenants.service.js';

@Resolver(() => TenantModel)
export class TenantResolver {
  constructor(@Inject(TenantsService) private readonly tenants: TenantsService) {}

  @Query(() => TenantModel, { description: 'The tenant of the authenticated principal.' })
  @Can(Permission.TenantRead)
  async tenant(@Ctx() ctx: TenantContext): Promise<TenantModel> {
    return toTenant(await this.tenants.get(ctx));
  }

  @Mutation(() => TenantModel)
  @Can(Permission.TenantUpdate)
  async updateTenant(
    @Ctx() ctx: TenantContext,
    @Args('input') input: UpdateTenantInput,
  ): Promise<TenantModel> {
    return toTenant(await this.tenants.rename(ctx, input.name));
  }
}
