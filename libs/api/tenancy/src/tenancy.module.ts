import { Module } from '@nestjs/common';
import { IdentityModule } from '@arca/api-identity';
import { InvitationRepository } from './invitation.repository.js';
import { InvitationsResolver } from './invitations.resolver.js';
import { InvitationsService } from './invitations.service.js';
import { MembershipRepository } from './membership.repository.js';
import { MembersResolver } from './members.resolver.js';
import { MembersService } from './members.service.js';
import { TenantRepository } from './tenant.repository.js';
import { TenantResolver } from './tenant.resolver.js';
import { TenantsService } from './tenants.service.js';

/** Tenants, memberships and roles, invitations. */
@Module({
  imports: [IdentityModule],
  providers: [
    TenantRepository,
    MembershipRepository,
    InvitationRepository,
    TenantsService,
    MembersService,
    InvitationsService,
    TenantResolver,
    MembersResolver,
    InvitationsResolver,
  ],
  exports: [TenantsService],
})
export class TenancyModule {}
