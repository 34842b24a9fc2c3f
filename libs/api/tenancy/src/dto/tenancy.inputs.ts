import { Field, ID, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import {
  IsEmail,
  IsEnum,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { Limits } from '@arca/contracts';
import { RoleEnum, trimString } from '@arca/api-core';
import { normalizeEmail } from '@arca/api-identity';

@InputType()
export class UpdateTenantInput {
  @Field()
  @Transform(trimString)
  @IsString()
  @MinLength(1)
  @MaxLength(Limits.tenantNameMax)
  name: string;
}

@InputType()
export class InviteMemberInput {
  @Field()
  @Transform(normalizeEmail)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(Limits.emailMax)
  email: string;

  @Field(() => RoleEnum)
  @IsEnum(RoleEnum)
  role: RoleEnum;
}

@InputType()
export class AcceptInvitationInput {
  @Field()
  @IsString()
  @Matches(/^arci_[A-Za-z0-9_-]{43}$/, { message: 'token is not an invitation token' })
  token: string;

  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(Limits.passwordMaxBytes)
  password: string;

  @Field({ nullable: true })
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MinLength(1)
  @MaxLength(Limits.displayNameMax)
  displayName?: string;
}

@InputType()
export class UpdateMemberRoleInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'userId must be a valid id' })
  userId: string;

  @Field(() => RoleEnum)
  @IsEnum(RoleEnum)
  role: RoleEnum;
}
