import { Inject } from '@nestjs/common';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { Permission } from '@arca/contracts';
import { Can, Ctx, type TenantContext } from '@arca/api-core';
import { KeyRotationModel, TenantDeletionModel } from '../models/transfer.models.js';
import { TenantKeysService } from './tenant-keys.service.js';

@Resolver()
export class KeysResolver {
  constructor(@Inject(TenantKeysService) private readonly keys: TenantKeysService) {}

  @Mutation(() => KeyRotationModel, {
    description:
      "Rotates the tenant's key-encryption key: re-wraps every data key, re-encrypts no model bytes.",
  })
  @Can(Permission.KeysRotate)
  rotateTenantKey(@Ctx() ctx: TenantContext): Promise<KeyRotationModel> {
    return this.keys.rotate(ctx);
  }

  @Mutation(() => TenantDeletionModel, {
    description:
      'Deletes the tenant by crypto-shredding its keys. Irreversible; the audit log keeps the record.',
  })
  @Can(Permission.TenantDelete)
  async deleteTenant(
    @Ctx() ctx: TenantContext,
    @Args('confirmSlug', { description: 'The tenant slug, typed again.' }) confirmSlug: string,
  ): Promise<TenantDeletionModel> {
    const { keysDestroyed, versions } = await this.keys.shredTenant(ctx, confirmSlug);
    return { keysDestroyed, versionsShredded: versions };
  }
}
