// Well-formed sample results for canned answers. Override fields per test.
import type { ApiKey, Connection, Me, Model } from '../types.js';

export const SAMPLE_TIME = '2025-01-02T03:04:05.000Z';

export function sampleApiKey(overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: 'key-1',
    name: 'ci',
    displayPrefix: 'arca_AbCdEfGh',
    scopes: ['models:read'],
    modelIds: [],
    createdById: 'user-1',
    createdAt: SAMPLE_TIME,
    expiresAt: '2025-04-02T03:04:05.000Z',
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

export function sampleMe(overrides: Partial<Me> = {}): Me {
  return {
    principalKind: 'API_KEY',
    user: { id: 'user-1', email: 'ada@example.com', displayName: 'Ada Lovelace' },
    tenant: { id: 'tenant-1', slug: 'acme', name: 'Acme Corp', createdAt: SAMPLE_TIME },
    role: 'PUBLISHER',
    permissions: ['models:read', 'models:create'],
    apiKey: sampleApiKey(),
    ...overrides,
  };
}

export function sampleModel(overrides: Partial<Model> = {}): Model {
  return {
    id: '7f1c2b9e-1d2a-4e8b-9c3d-5a6b7c8d9e0f',
    name: 'resnet-50',
    description: 'Image classifier',
    tags: ['vision', 'prod'],
    visibility: 'INTERNAL',
    archived: false,
    archivedAt: null,
    createdAt: SAMPLE_TIME,
    updatedAt: SAMPLE_TIME,
    ...overrides,
  };
}

/** A models/members connection answer over `items`. */
export function sampleConnection<T>(
  items: T[],
  endCursor: string | null = null,
  hasNextPage = false,
): Connection<T> {
  return {
    edges: items.map((node, i) => ({ cursor: `c${i}`, node })),
    pageInfo: { hasNextPage, endCursor },
  };
}
