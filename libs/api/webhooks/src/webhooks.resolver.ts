import { Inject } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Permission } from '@arca/contracts';
import { Can, Ctx, UuidPipe, type TenantContext } from '@arca/api-core';
import { CreateWebhookInput, UpdateWebhookInput } from './dto/webhook.inputs.js';
import {
  WebhookDeliveryConnection,
  WebhookDeliveryModel,
  WebhookDeliveryStatusEnum,
  WebhookModel,
  WebhookWithSecretModel,
  type WebhookAttemptModel,
} from './models/webhook.models.js';
import type { AttemptRecord, DeliveryRow, WebhookRow } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

const toWebhook = (w: WebhookRow): WebhookModel => ({
  id: w.id,
  url: w.url,
  description: w.description,
  events: w.eventTypes,
  active: w.active,
  disabledReason: w.disabledReason,
  disabledAt: w.disabledAt,
  previousSecretExpiresAt:
    w.previousSecretExpiresAt && w.previousSecretExpiresAt > new Date() ? w.previousSecretExpiresAt : null,
  createdById: w.createdById,
  createdAt: w.createdAt,
  updatedAt: w.updatedAt,
});

const toAttempt = (a: AttemptRecord): WebhookAttemptModel => ({
  attempt: a.attempt,
  at: new Date(a.at),
  durationMs: a.durationMs,
  statusCode: a.statusCode ?? null,
  error: a.error ?? null,
  responseExcerpt: a.responseExcerpt ?? null,
});

export const toDelivery = (d: DeliveryRow): WebhookDeliveryModel => ({
  id: d.id,
  webhookId: d.webhookId,
  eventId: d.eventId,
  eventType: d.eventType,
  payload: Buffer.from(d.payload).toString('utf8'),
  status: d.status as WebhookDeliveryStatusEnum,
  attempts: d.attempts,
  attemptLog: (d.attemptLog as unknown as AttemptRecord[]).map(toAttempt),
  nextAttemptAt: d.nextAttemptAt,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  redeliveryOf: d.redeliveryOf,
  createdAt: d.createdAt,
  deliveredAt: d.deliveredAt,
});

@Resolver(() => WebhookModel)
export class WebhooksResolver {
  constructor(@Inject(WebhooksService) private readonly service: WebhooksService) {}

  @Query(() => [WebhookModel], { description: 'The tenant’s webhook endpoints (never their secrets).' })
  @Can(Permission.WebhooksManage)
  async webhooks(@Ctx() ctx: TenantContext): Promise<WebhookModel[]> {
    return (await this.service.list(ctx)).map(toWebhook);
  }

  @Query(() => WebhookModel)
  @Can(Permission.WebhooksManage)
  async webhook(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<WebhookModel> {
    return toWebhook(await this.service.get(ctx, id));
  }

  @Query(() => WebhookDeliveryConnection, { description: 'Deliveries to one endpoint, newest first.' })
  @Can(Permission.WebhooksManage)
  async webhookDeliveries(
    @Ctx() ctx: TenantContext,
    @Args('webhookId', { type: () => ID }, UuidPipe) webhookId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ): Promise<WebhookDeliveryConnection> {
    const page = await this.service.deliveries(ctx, webhookId, { first, after });
    return {
      edges: page.rows.map(({ row, cursor }) => ({ cursor, node: toDelivery(row) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.rows.at(-1)?.cursor ?? null },
    };
  }

  @Mutation(() => WebhookWithSecretModel, { description: 'The secret is returned once, here.' })
  @Can(Permission.WebhooksManage)
  async createWebhook(
    @Ctx() ctx: TenantContext,
    @Args('input') input: CreateWebhookInput,
  ): Promise<WebhookWithSecretModel> {
    const { webhook, secret } = await this.service.create(ctx, input);
    return { webhook: toWebhook(webhook), secret };
  }

  @Mutation(() => WebhookModel)
  @Can(Permission.WebhooksManage)
  async updateWebhook(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
    @Args('input') input: UpdateWebhookInput,
  ): Promise<WebhookModel> {
    return toWebhook(await this.service.update(ctx, id, input));
  }

  @Mutation(() => WebhookWithSecretModel, {
    description: 'A new secret, returned once; the old one stays valid for graceHours (default 24, max 168).',
  })
  @Can(Permission.WebhooksManage)
  async rotateWebhookSecret(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
    @Args('graceHours', { type: () => Int, nullable: true }) graceHours?: number,
  ): Promise<WebhookWithSecretModel> {
    const { webhook, secret } = await this.service.rotateSecret(ctx, id, graceHours ?? undefined);
    return { webhook: toWebhook(webhook), secret };
  }

  @Mutation(() => WebhookModel)
  @Can(Permission.WebhooksManage)
  async deleteWebhook(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<WebhookModel> {
    return toWebhook(await this.service.delete(ctx, id));
  }

  @Mutation(() => WebhookDeliveryModel, { description: 'Sends a delivery’s event again as a new delivery.' })
  @Can(Permission.WebhooksManage)
  async redeliverWebhookDelivery(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<WebhookDeliveryModel> {
    return toDelivery(await this.service.redeliver(ctx, id));
  }

  @Mutation(() => WebhookDeliveryModel, { description: 'Sends a webhook.test event to this endpoint.' })
  @Can(Permission.WebhooksManage)
  async sendTestWebhook(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<WebhookDeliveryModel> {
    return toDelivery(await this.service.sendTest(ctx, id));
  }
}
