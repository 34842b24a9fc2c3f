import { Inject } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Permission } from '@arca/contracts';
import { Can, Ctx, type TenantContext } from '@arca/api-core';
import { ApiKeysService } from './api-keys.service.js';
import { CreateApiKeyInput } from './dto/create-api-key.input.js';
import { ApiKeyModel, CreatedApiKeyModel } from './models/identity.models.js';
import { toApiKey } from './models/mappers.js';
import { UuidPipe } from '@arca/api-core';

@Resolver(() => ApiKeyModel)
export class ApiKeysResolver {
  constructor(@Inject(ApiKeysService) private readonly keys: ApiKeysService) {}

  @Query(() => [ApiKeyModel], {
    description: 'Your API keys; every key of the tenant with all: true (apikeys:manage).',
  })
  @Can(Permission.ApiKeysOwn)
  async apiKeys(
    @Ctx() ctx: TenantContext,
    @Args('all', { type: () => Boolean, nullable: true }) all?: boolean,
  ): Promise<ApiKeyModel[]> {
    return (await this.keys.list(ctx, all === true)).map(toApiKey);
  }

  @Mutation(() => CreatedApiKeyModel)
  @Can(Permission.ApiKeysOwn)
  async createApiKey(
    @Ctx() ctx: TenantContext,
    @Args('input') input: CreateApiKeyInput,
  ): Promise<CreatedApiKeyModel> {
    const { apiKey, secret } = await this.keys.create(ctx, input);
    return { apiKey: toApiKey(apiKey), secret };
  }

  @Mutation(() => ApiKeyModel)
  @Can(Permission.ApiKeysOwn)
  async revokeApiKey(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<ApiKeyModel> {
    return toApiKey(await this.keys.revoke(ctx, id));
  }
}
