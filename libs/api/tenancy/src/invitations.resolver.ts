import { Inject } from '@nestjs/common';
import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Permission } from '@arca/contracts';
import {
  Can,
  Ctx,
  Public,
  UuidPipe,
  requestInfo,
  type ArcaRequest,
  type TenantContext,
} from '@arca/api-core';
import { LoginResultModel, toLoginResult } from '@arca/api-identity';
import { AcceptInvitationInput, InviteMemberInput } from './dto/tenancy.inputs.js';
import { InvitationsService } from './invitations.service.js';
import { CreatedInvitationModel, InvitationModel } from './models/tenancy.models.js';
import { toInvitation } from './models/mappers.js';

@Resolver(() => InvitationModel)
export class InvitationsResolver {
  constructor(@Inject(InvitationsService) private readonly service: InvitationsService) {}

  @Query(() => [InvitationModel])
  @Can(Permission.MembersManage)
  async invitations(@Ctx() ctx: TenantContext): Promise<InvitationModel[]> {
    return (await this.service.list(ctx)).map(toInvitation);
  }

  @Mutation(() => CreatedInvitationModel)
  @Can(Permission.MembersManage)
  async inviteMember(
    @Ctx() ctx: TenantContext,
    @Args('input') input: InviteMemberInput,
  ): Promise<CreatedInvitationModel> {
    const { invitation, token } = await this.service.invite(ctx, input.email, input.role);
    return { invitation: toInvitation(invitation), token };
  }

  @Mutation(() => InvitationModel)
  @Can(Permission.MembersManage)
  async revokeInvitation(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<InvitationModel> {
    return toInvitation(await this.service.revoke(ctx, id));
  }

  @Mutation(() => LoginResultModel, { description: 'Redeems an invitation token and opens a session.' })
  @Public()
  async acceptInvitation(
    @Args('input') input: AcceptInvitationInput,
    @Context('req') req: ArcaRequest,
  ): Promise<LoginResultModel> {
    const out = await this.service.accept(input.token, input.password, input.displayName, requestInfo(req));
    return toLoginResult(out, out.token);
  }
}
