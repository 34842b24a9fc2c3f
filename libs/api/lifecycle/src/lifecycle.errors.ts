import { DomainError, failedPrecondition, forbidden, notFound } from '@arca/api-core';

export const protectedAlias = (alias: string): DomainError =>
  failedPrecondition(
    `"${alias}" is a protected alias: request a promotion (requestPromotion) and have it approved by an approver ` +
      'who did not upload the version',
  );

export const notPromotable = (v: { number: number; state: string; archivedAt: Date | null }): DomainError =>
  failedPrecondition(
    v.archivedAt
      ? `version ${v.number} is archived; restore it first`
      : `version ${v.number} is ${v.state}; only ready versions can be aliased or promoted`,
  );

export const modelArchived = (): DomainError => failedPrecondition('the model is archived; restore it first');

export const ownUpload = (): DomainError =>
  forbidden('you uploaded this version: its promotion must be approved by another approver');

export const ownRequest = (): DomainError =>
  forbidden('you requested this promotion: it must be approved by another approver');

export const promotionNotFound = (): DomainError => notFound('promotion request');

export const notPending = (state: string): DomainError =>
  failedPrecondition(`the promotion request is ${state}`);

export const isNotFound = (error: unknown): boolean =>
  error instanceof DomainError && error.code === 'NOT_FOUND';
