import { Field, ObjectType } from '@nestjs/graphql';
import { Limits, isUuid } from '@arca/contracts';
import { badInput } from './errors/domain-error.js';

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

/** Opaque keyset cursor: base64url(JSON of the sort key). Clients must treat it as a black box. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    if (cursor.length > 512) throw new Error('too long');
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((k) => typeof k === 'string' || typeof k === 'number')
    ) {
      return key;
    }
  } catch {
    // fall through to the typed error
  }
  throw badInput('invalid cursor', { field: 'after' });
}

/** Keyset of lists ordered by (created_at, id): the cursor a client sends back, validated before any query. */
export interface TimeIdKey {
  createdAt: Date;
  id: string;
}

export function encodeTimeIdCursor(key: TimeIdKey): string {
  return encodeCursor([key.createdAt.toISOString(), key.id]);
}

/** A forged cursor (bad date, a year Postgres cannot store, a non-UUID id) answers BAD_USER_INPUT. */
export function decodeTimeIdCursor(cursor: string): TimeIdKey {
  const [rawDate, rawId] = decodeCursor(cursor, 2);
  const createdAt = new Date(String(rawDate));
  const id = String(rawId);
  const year = createdAt.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999 || !isUuid(id)) {
    throw badInput('invalid cursor', { field: 'after' });
  }
  return { createdAt, id };
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return Limits.pageSizeDefault;
  if (!Number.isInteger(first) || first < 1 || first > Limits.pageSizeMax) {
    throw badInput(`first must be between 1 and ${Limits.pageSizeMax}`, { field: 'first' });
  }
  return first;
}

/** Splits a fetched page of `size + 1` rows into the page and whether more exist. */
export function slicePage<T>(rows: T[], size: number): { page: T[]; hasNextPage: boolean } {
  return { page: rows.slice(0, size), hasNextPage: rows.length > size };
}
