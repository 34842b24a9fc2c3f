import { Field, Float, ID, InputType } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Limits } from '@arca/contracts';

@InputType()
export class CreateUploadInput {
  @Field(() => ID)
  @IsUUID()
  modelId: string;

  @Field(() => Float, {
    description: 'Exact size of the file in bytes (the last segment is sealed when it is reached).',
  })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  sizeBytes: number;

  @Field(() => ID, { nullable: true, description: 'Lineage: the version this one derives from.' })
  @IsOptional()
  @IsUUID()
  parentVersionId?: string;
}

@InputType()
export class FinalizeUploadInput {
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
  tags?: string[];
}
