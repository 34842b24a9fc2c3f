import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
// The same rule as the GraphQL inputs' @IsEmail, so the admin path accepts exactly what the API accepts.
import { isEmail } from 'class-validator';
import { ALL_PERMISSIONS, Limits, permissionsOf } from '@arca/contracts';
import { Db, isUniqueViolation, type TenantModel } from '@arca/api-db';
import { badInput, conflict, notFound, type TenantContext } from '@arca/api-core';
import { ApiKeysService, PasswordHasher, UserRepository } from '@arca/api-identity';
import { AuditLog } from '@arca/api-audit';
import { MembershipRepository } from './membership.repository.js';
import { TenantRepository } from './tenant.repository.js';

export interface ProvisionTenantCommand {
  slug: string;
  name?: string;
  ownerEmail: string;
  ownerDisplayName?: string;
}

export interface ProvisionedTenant {
  tenant: TenantModel;
  ownerUserId: string;
  /** Generated password for a new owner account; null when the email already had an account. */
  ownerPassword: string | null;
  /** An owner API key with every permission, for the CLI/SDK. Shown once. */
  ownerApiKey: string;
}

@Injectable()
export class TenantsService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(TenantRepository) private readonly tenants: TenantRepository,
    @Inject(MembershipRepository) private readonly members: MembershipRepository,
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(PasswordHasher) private readonly passwords: PasswordHasher,
    @Inject(ApiKeysService) private readonly apiKeys: ApiKeysService,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  async get(ctx: TenantContext): Promise<TenantModel> {
    const tenant = await this.db.readTransaction(ctx.tenantId, () => this.tenants.get(ctx.tenantId));
    if (!tenant) throw notFound('tenant');
    return tenant;
  }

  async rename(ctx: TenantContext, name: string): Promise<TenantModel> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const tenant = await this.tenants.rename(ctx.tenantId, name);
      await this.audit.record(ctx, {
        action: 'tenant.update',
        resource: { type: 'tenant', id: ctx.tenantId },
        details: { name },
      });
      return tenant;
    });
  }

  /** Server-admin path (arca-server create-tenant, demo tenant): tenant + owner + owner API key, atomically. */
  async provision(cmd: ProvisionTenantCommand): Promise<ProvisionedTenant> {
    const email = cmd.ownerEmail.trim().toLowerCase();
    if (!Limits.tenantSlugPattern.test(cmd.slug)) {
      throw badInput('slug must be 3–63 lowercase letters, digits or dashes', { field: 'slug' });
    }
    if (!isEmail(email) || email.length > Limits.emailMax) {
      throw badInput('owner email is not valid', { field: 'ownerEmail' });
    }
    const tenantId = randomUUID();
    const generatedPassword = randomBytes(18).toString('base64url');
    const passwordHash = await this.passwords.hash(generatedPassword);
    try {
      return await this.db.scopedTransaction({ tenantId, loginEmail: email }, async () => {
        const existing = await this.users.findByEmailForAuth(email);
        const userId = existing?.id ?? randomUUID();
        await this.db.rescope({ userId });
        const tenant = await this.tenants.create(tenantId, { slug: cmd.slug, name: cmd.name ?? cmd.slug });
        if (!existing) {
          await this.users.createForAuth({
            id: userId,
            email,
            displayName: cmd.ownerDisplayName ?? email.split('@')[0] ?? email,
            passwordHash,
          });
        }
        await this.members.create(tenantId, userId, 'owner');
        const system = { tenantId, kind: 'system' as const };
        await this.audit.record(system, {
          action: 'tenant.create',
          resource: { type: 'tenant', id: tenantId, name: tenant.slug },
        });
        await this.audit.record(system, {
          action: 'member.add',
          resource: { type: 'member', id: userId },
          details: { role: 'owner', newAccount: !existing },
          pii: { email },
        });
        const ownerCtx: TenantContext = {
          tenantId,
          tenantSlug: tenant.slug,
          userId,
          kind: 'session',
          role: 'owner',
          permissions: permissionsOf('owner'),
          modelRestriction: null,
          request: { requestId: 'provision', ip: '127.0.0.1' },
        };
        const { secret } = await this.apiKeys.create(ownerCtx, {
          name: 'bootstrap',
          scopes: [...ALL_PERMISSIONS],
          expiresInDays: 90,
        });
        return {
          tenant,
          ownerUserId: userId,
          ownerPassword: existing ? null : generatedPassword,
          ownerApiKey: secret,
        };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`tenant slug "${cmd.slug}" is taken`);
      throw error;
    }
  }
}
