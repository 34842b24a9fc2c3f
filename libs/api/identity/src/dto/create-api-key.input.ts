import { Field, ID, InputType, Int } from '@nestjs/graphql';
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
  MinLength,
} from 'class-validator';
import { ALL_PERMISSIONS, Limits } from '@arca/contracts';

@InputType()
export class CreateApiKeyInput {
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(Limits.apiKeyNameMax)
  name: string;

  @Field(() => [String], { description: 'Permissions the key carries; a subset of your own.' })
  @IsArray()
  @ArrayMaxSize(ALL_PERMISSIONS.length)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  scopes: string[];

  @Field(() => [ID], { nullable: true, description: 'Restrict the key to these models.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(Limits.apiKeyModelsMax)
  @IsUUID('all', { each: true, message: 'modelIds must contain model ids' })
  modelIds?: string[];

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Limits.apiKeyMaxDays)
  expiresInDays?: number;
}
