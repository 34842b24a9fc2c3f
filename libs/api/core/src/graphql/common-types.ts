import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';

/** GraphQL spelling of the contract roles (values are the contract strings). */
export enum RoleEnum {
  OWNER = 'owner',
  ADMIN = 'admin',
  PUBLISHER = 'publisher',
  APPROVER = 'approver',
  CONSUMER = 'consumer',
  VIEWER = 'viewer',
  AUDITOR = 'auditor',
}
registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'Tenant role; see DESIGN.md "Roles and permissions".',
});

@ObjectType('User')
export class UserModel {
  @Field(() => ID)
  id: string;

  @Field()
  email: string;

  @Field()
  displayName: string;
}
