import { Inject } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Permission } from '@arca/contracts';
import { Can, Ctx, UuidPipe, type TenantContext } from '@arca/api-core';
import { UpdateMemberRoleInput } from './dto/tenancy.inputs.js';
import { MembersService } from './members.service.js';
import { MemberConnection, MemberModel } from './models/tenancy.models.js';
import { toMember } from './models/mappers.js';

@Resolver(() => MemberModel)
export class MembersResolver {
  constructor(@Inject(MembersService) private readonly service: MembersService) {}

  @Query(() => MemberConnection)
  @Can(Permission.MembersRead)
  async members(
    @Ctx() ctx: TenantContext,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ): Promise<MemberConnection> {
    const page = await this.service.list(ctx, first, after);
    return {
      edges: page.rows.map(({ row, cursor }) => ({ cursor, node: toMember(row) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.rows.at(-1)?.cursor ?? null },
    };
  }

  @Mutation(() => MemberModel)
  @Can(Permission.MembersManage)
  async updateMemberRole(
    @Ctx() ctx: TenantContext,
    @Args('input') input: UpdateMemberRoleInput,
  ): Promise<MemberModel> {
    return toMember(await this.service.updateRole(ctx, input.userId.toLowerCase(), input.role));
  }

  @Mutation(() => Boolean)
  @Can(Permission.MembersManage)
  async removeMember(
    @Ctx() ctx: TenantContext,
    @Args('userId', { type: () => ID }, UuidPipe) userId: string,
  ): Promise<boolean> {
    await this.service.remove(ctx, userId);
    return true;
  }
}
