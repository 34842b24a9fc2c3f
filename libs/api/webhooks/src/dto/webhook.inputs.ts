import { Field, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { ALL_WEBHOOK_EVENTS } from '@arca/contracts';
import { trimString } from '@arca/api-core';

const OmittableNotNull = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

const EVENTS_DESCRIPTION = `Event types: ${ALL_WEBHOOK_EVENTS.filter((e) => e !== 'webhook.test').join(', ')}.`;

@InputType()
export class CreateWebhookInput {
  @Field({ description: 'https URL the server POSTs events to (http only where the server allows it).' })
  @Transform(trimString)
  @IsString()
  @MaxLength(2048)
  url: string;

  @Field(() => [String], { description: EVENTS_DESCRIPTION })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ALL_WEBHOOK_EVENTS.length)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  events: string[];

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

@InputType()
export class UpdateWebhookInput {
  @Field({ nullable: true })
  @OmittableNotNull()
  @Transform(trimString)
  @IsString()
  @MaxLength(2048)
  url?: string;

  @Field(() => [String], { nullable: true, description: EVENTS_DESCRIPTION })
  @OmittableNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ALL_WEBHOOK_EVENTS.length)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  events?: string[];

  @Field({ nullable: true })
  @OmittableNotNull()
  @IsString()
  @MaxLength(500)
  description?: string;

  @Field({ nullable: true, description: 'false disables deliveries; true re-enables a disabled endpoint.' })
  @OmittableNotNull()
  @IsBoolean()
  active?: boolean;
}
