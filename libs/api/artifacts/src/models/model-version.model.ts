import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { PageInfo } from '@arca/api-core';

export enum VersionStateEnum {
  VALIDATING = 'validating',
  READY = 'ready',
  FAILED = 'failed',
}
registerEnumType(VersionStateEnum, {
  name: 'VersionState',
  description: 'validating: stored, being checked; ready: valid and downloadable; failed: see failureReason.',
});

@ObjectType('OpsetImport')
export class OpsetImportModel {
  @Field({ description: "Operator domain ('' is the default ai.onnx domain)." })
  domain: string;

  @Field(() => Int)
  version: number;
}

@ObjectType('TensorInfo', { description: 'A graph input or output.' })
export class TensorInfoModel {
  @Field()
  name: string;

  @Field({ description: 'ONNX element type, e.g. FLOAT.' })
  elemType: string;

  @Field(() => [String], { description: 'Dimensions: a number, a symbolic name, or "?" when unknown.' })
  shape: string[];
}

@ObjectType('ModelCard')
export class ModelCardModel {
  @Field({ nullable: true })
  intendedUse?: string;

  @Field({ nullable: true })
  limitations?: string;

  @Field({ nullable: true, description: 'Metrics as a JSON object string.' })
  metrics?: string;
}

@ObjectType('ModelVersion', { description: 'An immutable, encrypted version of a model.' })
export class ModelVersionModel {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  modelId: string;

  @Field(() => Int)
  number: number;

  @Field(() => VersionStateEnum)
  state: VersionStateEnum;

  @Field(() => String, { nullable: true })
  failureCode: string | null;

  @Field(() => String, { nullable: true })
  failureReason: string | null;

  @Field(() => Float)
  sizeBytes: number;

  @Field(() => String, { nullable: true, description: 'SHA-256 of the plaintext model (hex), once ready.' })
  sha256: string | null;

  @Field(() => Int, { nullable: true })
  irVersion: number | null;

  @Field(() => [OpsetImportModel])
  opsetImports: OpsetImportModel[];

  @Field(() => [TensorInfoModel])
  inputs: TensorInfoModel[];

  @Field(() => [TensorInfoModel])
  outputs: TensorInfoModel[];

  @Field(() => Float, { nullable: true })
  parameterCount: number | null;

  @Field(() => String, { nullable: true })
  producer: string | null;

  @Field(() => ID, { nullable: true, description: 'Lineage: the version this one was derived from.' })
  parentVersionId: string | null;

  @Field()
  description: string;

  @Field(() => ModelCardModel)
  card: ModelCardModel;

  @Field(() => [String])
  tags: string[];

  @Field(() => ID)
  createdById: string;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  readyAt: Date | null;

  @Field(() => Date, { nullable: true })
  archivedAt: Date | null;
}

@ObjectType('ModelVersionEdge')
export class ModelVersionEdge {
  @Field()
  cursor: string;

  @Field(() => ModelVersionModel)
  node: ModelVersionModel;
}

@ObjectType('ModelVersionConnection')
export class ModelVersionConnection {
  @Field(() => [ModelVersionEdge])
  edges: ModelVersionEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}
