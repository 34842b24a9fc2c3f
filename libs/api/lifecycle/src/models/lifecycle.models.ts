import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { PageInfo } from '@arca/api-core';

export enum PromotionStateEnum {
  PENDING = 'pending',
  APPROVED = 'approved',
  REJECTED = 'rejected',
  CANCELLED = 'cancelled',
}
registerEnumType(PromotionStateEnum, {
  name: 'PromotionState',
  description:
    'PENDING: waiting for an approver; APPROVED: the alias was moved; REJECTED: refused by an approver; ' +
    'CANCELLED: withdrawn by the requester or an admin, or superseded when another request for the alias was approved.',
});

@ObjectType('ModelAlias', {
  description: 'A named pointer (production, staging, …) to a ready version of a model.',
})
export class ModelAliasModel {
  @Field()
  name: string;

  @Field(() => ID)
  modelId: string;

  @Field(() => ID)
  versionId: string;

  @Field(() => Int)
  versionNumber: number;

  @Field({
    description: "True when the tenant's policy protects this alias: it moves only through a promotion.",
  })
  protected: boolean;

  @Field()
  updatedAt: Date;

  @Field(() => ID)
  updatedById: string;
}

@ObjectType('PromotionRequest', {
  description: 'A request to point an alias at a version, decided by an approver.',
})
export class PromotionRequestModel {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  modelId: string;

  @Field()
  alias: string;

  @Field(() => ID)
  versionId: string;

  @Field(() => Int)
  versionNumber: number;

  @Field(() => PromotionStateEnum)
  state: PromotionStateEnum;

  @Field()
  reason: string;

  @Field(() => ID)
  requestedById: string;

  @Field(() => ID, { nullable: true })
  decidedById: string | null;

  @Field(() => String, { nullable: true })
  decisionNote: string | null;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  decidedAt: Date | null;
}

@ObjectType('PromotionRequestEdge')
export class PromotionRequestEdge {
  @Field()
  cursor: string;

  @Field(() => PromotionRequestModel)
  node: PromotionRequestModel;
}

@ObjectType('PromotionRequestConnection')
export class PromotionRequestConnection {
  @Field(() => [PromotionRequestEdge])
  edges: PromotionRequestEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}

@ObjectType('ArtifactPolicy', { description: "The tenant's rules for model versions." })
export class ArtifactPolicyModel {
  @Field(() => [String], { description: 'Aliases that move only through an approved promotion request.' })
  protectedAliases: string[];

  @Field(() => [String], {
    description: 'ONNX operator domains accepted beyond the standard ones (ai.onnx, ai.onnx.ml).',
  })
  onnxAllowedDomains: string[];
}
