import { Field, ID, ObjectType } from '@nestjs/graphql';
import { PageInfo, RoleEnum, UserModel } from '@arca/api-core';

@ObjectType('Member')
export class MemberModel {
  @Field(() => UserModel)
  user: UserModel;

  @Field(() => RoleEnum)
  role: RoleEnum;

  @Field()
  createdAt: Date;
}

@ObjectType('MemberEdge')
export class MemberEdge {
  @Field()
  cursor: string;

  @Field(() => MemberModel)
  node: MemberModel;
}

@ObjectType('MemberConnection')
export class MemberConnection {
  @Field(() => [MemberEdge])
  edges: MemberEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}

@ObjectType('Invitation')
export class InvitationModel {
  @Field(() => ID)
  id: string;

  @Field()
  email: string;

  @Field(() => RoleEnum)
  role: RoleEnum;

  @Field()
  expiresAt: Date;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  acceptedAt: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;
}

@ObjectType('CreatedInvitation')
export class CreatedInvitationModel {
  @Field(() => InvitationModel)
  invitation: InvitationModel;

  @Field({ description: 'One-time token to hand to the invitee. Shown once.' })
  token: string;
}
