import { Field, ID, ObjectType } from '@nestjs/graphql';
import { RoleEnum, UserModel } from '@arca/api-core';

@ObjectType('ModelGrant')
export class ModelGrantModel {
  @Field(() => ID)
  modelId: string;

  @Field(() => UserModel)
  user: UserModel;

  @Field(() => RoleEnum)
  role: RoleEnum;

  @Field()
  createdAt: Date;
}
