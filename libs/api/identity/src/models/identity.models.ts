import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { RoleEnum, UserModel } from '@arca/api-core';

export enum PrincipalKindEnum {
  SESSION = 'session',
  API_KEY = 'apiKey',
}
registerEnumType(PrincipalKindEnum, { name: 'PrincipalKind' });

@ObjectType('Tenant')
export class TenantModel {
  @Field(() => ID)
  id: string;

  @Field()
  slug: string;

  @Field()
  name: string;

  @Field()
  createdAt: Date;
}

@ObjectType('ApiKey')
export class ApiKeyModel {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field({ description: 'First characters of the key, safe to display.' })
  displayPrefix: string;

  @Field(() => [String])
  scopes: string[];

  @Field(() => [ID])
  modelIds: string[];

  @Field(() => ID)
  createdById: string;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  expiresAt: Date | null;

  @Field(() => Date, { nullable: true })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;
}

@ObjectType('Me')
export class MeModel {
  @Field(() => PrincipalKindEnum)
  principalKind: PrincipalKindEnum;

  @Field(() => UserModel)
  user: UserModel;

  @Field(() => TenantModel)
  tenant: TenantModel;

  @Field(() => RoleEnum)
  role: RoleEnum;

  @Field(() => [String])
  permissions: string[];

  @Field(() => ApiKeyModel, { nullable: true })
  apiKey: ApiKeyModel | null;
}

@ObjectType('LoginResult')
export class LoginResultModel {
  @Field(() => String, {
    nullable: true,
    description: 'Bearer token; null when the session was set as a cookie.',
  })
  token: string | null;

  @Field()
  expiresAt: Date;

  @Field(() => MeModel)
  me: MeModel;
}

@ObjectType('CreatedApiKey')
export class CreatedApiKeyModel {
  @Field(() => ApiKeyModel)
  apiKey: ApiKeyModel;

  @Field({ description: 'The key itself. Shown once; store it now.' })
  secret: string;
}
