import { Field, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { Limits } from '@arca/contracts';

export const normalizeEmail = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

@InputType()
export class LoginInput {
  @Field()
  @Transform(normalizeEmail)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(Limits.emailMax)
  email: string;

  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(Limits.passwordMaxBytes)
  password: string;

  @Field({ nullable: true })
  @IsOptional()
  @Matches(Limits.tenantSlugPattern, { message: 'tenantSlug must be a lowercase slug' })
  tenantSlug?: string;

  @Field({
    nullable: true,
    description: 'Browser login: set the session as an HttpOnly cookie instead of returning it.',
  })
  @IsOptional()
  @IsBoolean()
  cookie?: boolean;
}

@InputType()
export class ChangePasswordInput {
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(Limits.passwordMaxBytes)
  currentPassword: string;

  @Field()
  @IsString()
  @MinLength(Limits.passwordMin)
  @MaxLength(Limits.passwordMaxBytes)
  newPassword: string;
}
