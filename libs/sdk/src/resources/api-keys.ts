import { ApiKeysDocument, CreateApiKeyDocument, RevokeApiKeyDocument } from '../documents.js';
import type { Transport } from '../transport.js';
import type { ApiKey, CreatedApiKey, CreateApiKeyInput } from '../types.js';

export class ApiKeysApi {
  constructor(private readonly transport: Transport) {}

  /** Your own keys; `{ all: true }` lists every key of the tenant (needs apikeys:manage). */
  async list(options: { all?: boolean } = {}): Promise<ApiKey[]> {
    return (await this.transport.graphql<{ apiKeys: ApiKey[] }>(ApiKeysDocument, { all: options.all }))
      .apiKeys;
  }

  /** Session only: a key cannot mint keys. The returned `secret` is shown once. */
  async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
    return (await this.transport.graphql<{ createApiKey: CreatedApiKey }>(CreateApiKeyDocument, { input }))
      .createApiKey;
  }

  async revoke(id: string): Promise<ApiKey> {
    return (await this.transport.graphql<{ revokeApiKey: ApiKey }>(RevokeApiKeyDocument, { id }))
      .revokeApiKey;
  }
}
