import { Field, ID, InputType, registerEnumType } from '@nestjs/graphql';
import { IsDate, IsEnum, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

export enum AuditOutcomeEnum {
  SUCCESS = 'success',
  DENIED = 'denied',
  ERROR = 'error',
}
registerEnumType(AuditOutcomeEnum, { name: 'AuditOutcome' });

@InputType()
export class AuditEventFilter {
  @Field(() => ID, { nullable: true, description: 'User who acted.' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @Field(() => ID, { nullable: true, description: 'API key that acted.' })
  @IsOptional()
  @IsUUID()
  apiKeyId?: string;

  @Field({
    nullable: true,
    description: 'Exact action (model.create), or a prefix ending in a dot (model.) for a family of actions.',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.?$/, {
    message: 'action must look like model.create or model.',
  })
  @MaxLength(100)
  action?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_]*$/, { message: 'resourceType must be lower-case letters, digits or underscores' })
  @MaxLength(50)
  resourceType?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  resourceId?: string;

  @Field(() => AuditOutcomeEnum, { nullable: true })
  @IsOptional()
  @IsEnum(AuditOutcomeEnum)
  outcome?: AuditOutcomeEnum;

  @Field(() => Date, { nullable: true, description: 'Events at or after this time.' })
  @IsOptional()
  @IsDate()
  from?: Date;

  @Field(() => Date, { nullable: true, description: 'Events before this time.' })
  @IsOptional()
  @IsDate()
  to?: Date;
}
