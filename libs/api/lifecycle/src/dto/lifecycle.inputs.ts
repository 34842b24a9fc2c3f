import { Field, ID, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Limits } from '@arca/contracts';
import {
  CARD_TEXT_MAX,
  METRICS_MAX_BYTES,
  ONNX_DOMAINS_MAX,
  ONNX_DOMAIN_MAX,
  PROTECTED_ALIASES_MAX,
} from '../rules.js';

/** Omitted means "keep"; an explicit null would reach a NOT NULL column, so it is refused. */
const OmittableNotNull = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

@InputType()
export class RequestPromotionInput {
  @Field(() => ID)
  @IsUUID()
  modelId: string;

  @Field({ description: 'The alias to move (usually a protected one such as production).' })
  @IsString()
  @MaxLength(64)
  alias: string;

  @Field(() => ID)
  @IsUUID()
  versionId: string;

  @Field({ nullable: true, description: 'Why this version should be promoted (shown to approvers).' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

@InputType({ description: 'Model-card fields to change; an empty string removes a field.' })
export class ModelCardInput {
  @Field({ nullable: true })
  @OmittableNotNull()
  @IsString()
  @MaxLength(CARD_TEXT_MAX)
  intendedUse?: string;

  @Field({ nullable: true })
  @OmittableNotNull()
  @IsString()
  @MaxLength(CARD_TEXT_MAX)
  limitations?: string;

  @Field({
    nullable: true,
    description: `A JSON object of numbers and strings, e.g. {"accuracy":0.93}; at most ${METRICS_MAX_BYTES} bytes.`,
  })
  @OmittableNotNull()
  @IsString()
  @MaxLength(METRICS_MAX_BYTES)
  metrics?: string;
}

@InputType({ description: 'Version metadata; bytes, digest and validation results never change.' })
export class UpdateModelVersionInput {
  @Field({ nullable: true })
  @OmittableNotNull()
  @IsString()
  @MaxLength(Limits.modelDescriptionMax)
  description?: string;

  @Field(() => [String], { nullable: true, description: 'Replaces the tags.' })
  @OmittableNotNull()
  @IsArray()
  @ArrayMaxSize(Limits.tagsMax)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  tags?: string[];

  @Field(() => ModelCardInput, { nullable: true })
  @OmittableNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => ModelCardInput)
  card?: ModelCardInput;
}

@InputType()
export class UpdateArtifactPolicyInput {
  @Field(() => [String], {
    nullable: true,
    description: 'Replaces the protected alias names (may be empty).',
  })
  @OmittableNotNull()
  @IsArray()
  @ArrayMaxSize(PROTECTED_ALIASES_MAX)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  protectedAliases?: string[];

  @Field(() => [String], {
    nullable: true,
    description: 'Replaces the extra ONNX operator domains (may be empty).',
  })
  @OmittableNotNull()
  @IsArray()
  @ArrayMaxSize(ONNX_DOMAINS_MAX)
  @IsString({ each: true })
  @MaxLength(ONNX_DOMAIN_MAX, { each: true })
  onnxAllowedDomains?: string[];
}
