import { Field, ID, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '@arca/api-core';
import { ModelVisibilityEnum } from '../dto/model.inputs.js';

@ObjectType('Model')
export class ModelModel {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field()
  description: string;

  @Field(() => [String])
  tags: string[];

  @Field(() => ModelVisibilityEnum)
  visibility: ModelVisibilityEnum;

  @Field()
  archived: boolean;

  @Field(() => Date, { nullable: true })
  archivedAt: Date | null;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;
}

@ObjectType('ModelEdge')
export class ModelEdge {
  @Field()
  cursor: string;

  @Field(() => ModelModel)
  node: ModelModel;
}

@ObjectType('ModelConnection')
export class ModelConnection {
  @Field(() => [ModelEdge])
  edges: ModelEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}
