import { Field, InputType, registerEnumType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEnum,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { Limits } from '@arca/contracts';
import { trimString } from '@arca/api-core';

export enum ModelVisibilityEnum {
  INTERNAL = 'internal',
  RESTRICTED = 'restricted',
}
registerEnumType(ModelVisibilityEnum, {
  name: 'ModelVisibility',
  description: 'INTERNAL: every member per their role. RESTRICTED: admins and users with a grant.',
});

/**
 * Update fields may be omitted (keep the current value) but not null: every one of them is a NOT NULL column, and
 * `@IsOptional()` would let an explicit null through to the database.
 */
const OmittableNotNull = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

const NAME_MESSAGE =
  'name must be 1–100 lowercase letters, digits, dots, dashes or underscores, starting and ending with a letter or digit';

@InputType()
export class CreateModelInput {
  @Field()
  @Transform(trimString)
  @IsString()
  @Matches(Limits.modelNamePattern, { message: NAME_MESSAGE })
  name: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(Limits.modelDescriptionMax)
  description?: string;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(Limits.tagsMax)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  tags?: string[];

  @Field(() => ModelVisibilityEnum, { nullable: true })
  @IsOptional()
  @IsEnum(ModelVisibilityEnum)
  visibility?: ModelVisibilityEnum;
}

@InputType()
export class UpdateModelInput {
  @Field({ nullable: true })
  @OmittableNotNull()
  @Transform(trimString)
  @IsString()
  @Matches(Limits.modelNamePattern, { message: NAME_MESSAGE })
  name?: string;

  @Field({ nullable: true })
  @OmittableNotNull()
  @IsString()
  @MaxLength(Limits.modelDescriptionMax)
  description?: string;

  @Field(() => [String], { nullable: true })
  @OmittableNotNull()
  @IsArray()
  @ArrayMaxSize(Limits.tagsMax)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  tags?: string[];

  @Field(() => ModelVisibilityEnum, { nullable: true })
  @OmittableNotNull()
  @IsEnum(ModelVisibilityEnum)
  visibility?: ModelVisibilityEnum;
}
