import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { PageInfo } from '@arca/api-core';

export enum WebhookDeliveryStatusEnum {
  PENDING = 'pending',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
  GAVE_UP = 'gave_up',
}
registerEnumType(WebhookDeliveryStatusEnum, {
  name: 'WebhookDeliveryStatus',
  description:
    'PENDING: waiting for its first attempt. FAILED: the last attempt failed, another is scheduled. ' +
    'SUCCEEDED: a 2xx answer. GAVE_UP: out of attempts, 410 Gone, or the endpoint was disabled.',
});

@ObjectType('Webhook')
export class WebhookModel {
  @Field(() => ID)
  id: string;

  @Field()
  url: string;

  @Field()
  description: string;

  @Field(() => [String])
  events: string[];

  @Field()
  active: boolean;

  @Field(() => String, { nullable: true })
  disabledReason: string | null;

  @Field(() => Date, { nullable: true })
  disabledAt: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Until then deliveries are also signed with the secret before the last rotation.',
  })
  previousSecretExpiresAt: Date | null;

  @Field(() => ID)
  createdById: string;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;
}

@ObjectType('WebhookWithSecret')
export class WebhookWithSecretModel {
  @Field(() => WebhookModel)
  webhook: WebhookModel;

  @Field({ description: 'The signing secret (whsec_…). Shown once: store it now.' })
  secret: string;
}

@ObjectType('WebhookAttempt')
export class WebhookAttemptModel {
  @Field(() => Int)
  attempt: number;

  @Field()
  at: Date;

  @Field(() => Int)
  durationMs: number;

  @Field(() => Int, { nullable: true })
  statusCode: number | null;

  @Field(() => String, { nullable: true })
  error: string | null;

  @Field(() => String, { nullable: true, description: 'The first 256 bytes of the response body.' })
  responseExcerpt: string | null;
}

@ObjectType('WebhookDelivery')
export class WebhookDeliveryModel {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  webhookId: string;

  @Field(() => ID, { description: 'The event id (the body’s `id`), shared by redeliveries.' })
  eventId: string;

  @Field()
  eventType: string;

  @Field({ description: 'The exact JSON body sent.' })
  payload: string;

  @Field(() => WebhookDeliveryStatusEnum)
  status: WebhookDeliveryStatusEnum;

  @Field(() => Int)
  attempts: number;

  @Field(() => [WebhookAttemptModel])
  attemptLog: WebhookAttemptModel[];

  @Field(() => Date, { nullable: true })
  nextAttemptAt: Date | null;

  @Field(() => Int, { nullable: true })
  lastStatusCode: number | null;

  @Field(() => String, { nullable: true })
  lastError: string | null;

  @Field(() => ID, { nullable: true })
  redeliveryOf: string | null;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  deliveredAt: Date | null;
}

@ObjectType('WebhookDeliveryEdge')
export class WebhookDeliveryEdge {
  @Field()
  cursor: string;

  @Field(() => WebhookDeliveryModel)
  node: WebhookDeliveryModel;
}

@ObjectType('WebhookDeliveryConnection')
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge])
  edges: WebhookDeliveryEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}
