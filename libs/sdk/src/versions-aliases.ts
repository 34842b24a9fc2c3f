import {
  ApprovePromotionDocument,
  ModelAliasesDocument,
  PromotionRequestsDocument,
  RejectPromotionDocument,
  RequestPromotionDocument,
  SetAliasDocument,
} from './documents.js';
import { paginate, toPage } from './pagination.js';
import type { Transport } from './transport.js';
import type { Connection, Page } from './types.js';
import type {
  ListPromotionsOptions,
  ModelAlias,
  PromotionRequest,
  RequestPromotionInput,
} from './versions-types.js';

/**
 * Named pointers to versions (`prod`, `staging` …). Moving a protected alias takes a promotion request that an
 * approver (never the uploader) approves.
 */
export class AliasesApi {
  constructor(private readonly transport: Transport) {}

  async list(modelId: string): Promise<ModelAlias[]> {
    return (await this.transport.graphql<{ modelAliases: ModelAlias[] }>(ModelAliasesDocument, { modelId }))
      .modelAliases;
  }

  /** Points `alias` at `versionId`. Throws FAILED_PRECONDITION for a protected alias: use `request` then. */
  async set(modelId: string, alias: string, versionId: string): Promise<ModelAlias> {
    return (
      await this.transport.graphql<{ setAlias: ModelAlias }>(SetAliasDocument, { modelId, alias, versionId })
    ).setAlias;
  }

  /** Asks for `alias` (usually a protected one) to point at a version once an approver agrees. */
  async request(input: RequestPromotionInput): Promise<PromotionRequest> {
    return (
      await this.transport.graphql<{ requestPromotion: PromotionRequest }>(RequestPromotionDocument, {
        input,
      })
    ).requestPromotion;
  }

  /** Approves a pending request, which moves the alias. */
  async approve(id: string, note?: string): Promise<PromotionRequest> {
    return (
      await this.transport.graphql<{ approvePromotion: PromotionRequest }>(ApprovePromotionDocument, {
        id,
        note,
      })
    ).approvePromotion;
  }

  async reject(id: string, note?: string): Promise<PromotionRequest> {
    return (
      await this.transport.graphql<{ rejectPromotion: PromotionRequest }>(RejectPromotionDocument, {
        id,
        note,
      })
    ).rejectPromotion;
  }

  async requests(options: ListPromotionsOptions = {}): Promise<Page<PromotionRequest>> {
    const { modelId, state, first, after } = options;
    const data = await this.transport.graphql<{ promotionRequests: Connection<PromotionRequest> }>(
      PromotionRequestsDocument,
      { modelId, state, first, after },
    );
    return toPage(data.promotionRequests);
  }

  requestsAll(options: ListPromotionsOptions = {}): AsyncGenerator<Page<PromotionRequest>, void, undefined> {
    return paginate(options, (o) => this.requests(o));
  }
}
