import { Field, ID, InputType } from '@nestjs/graphql';
import { IsEnum, IsUUID } from 'class-validator';
import { RoleEnum } from '@arca/api-core';

@InputType()
export class GrantModelAccessInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'modelId must be a valid id' })
  modelId: string;

  @Field(() => ID)
  @IsUUID('all', { message: 'userId must be a valid id' })
  userId: string;

  @Field(() => RoleEnum, {
    description: 'Caps what the user may do on this model (never more than their tenant role).',
  })
  @IsEnum(RoleEnum)
  role: RoleEnum;
}
