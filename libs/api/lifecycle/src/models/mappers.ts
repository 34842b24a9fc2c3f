import type { AliasRow } from '../aliases/aliases.repository.js';
import type { PromotionRow } from '../promotions/promotions.repository.js';
import type { ModelAliasModel, PromotionRequestModel, PromotionStateEnum } from './lifecycle.models.js';

export function toAlias(row: AliasRow, protectedAliases: readonly string[]): ModelAliasModel {
  return {
    name: row.name,
    modelId: row.modelId,
    versionId: row.versionId,
    versionNumber: row.version.number,
    protected: protectedAliases.includes(row.name),
    updatedAt: row.updatedAt,
    updatedById: row.updatedById,
  };
}

export function toPromotion(row: PromotionRow): PromotionRequestModel {
  return {
    id: row.id,
    modelId: row.modelId,
    alias: row.alias,
    versionId: row.versionId,
    versionNumber: row.version.number,
    state: row.state as PromotionStateEnum,
    reason: row.reason,
    requestedById: row.requestedBy,
    decidedById: row.decidedBy,
    decisionNote: row.decisionNote,
    createdAt: row.createdAt,
    decidedAt: row.decidedAt,
  };
}
