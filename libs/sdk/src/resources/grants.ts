import { GrantModelAccessDocument, ModelGrantsDocument, RevokeModelAccessDocument } from '../documents.js';
import { toGraphqlRole } from '../roles.js';
import type { Transport } from '../transport.js';
import type { GrantModelAccessInput, ModelGrant } from '../types.js';

/** Per-model grants: a role on one model on top of (or instead of) the tenant role. */
export class GrantsApi {
  constructor(private readonly transport: Transport) {}

  async list(modelId: string): Promise<ModelGrant[]> {
    return (await this.transport.graphql<{ modelGrants: ModelGrant[] }>(ModelGrantsDocument, { modelId }))
      .modelGrants;
  }

  async grant(input: GrantModelAccessInput): Promise<ModelGrant> {
    const variables = {
      input: { modelId: input.modelId, userId: input.userId, role: toGraphqlRole(input.role) },
    };
    return (
      await this.transport.graphql<{ grantModelAccess: ModelGrant }>(GrantModelAccessDocument, variables)
    ).grantModelAccess;
  }

  async revoke(modelId: string, userId: string): Promise<boolean> {
    return (
      await this.transport.graphql<{ revokeModelAccess: boolean }>(RevokeModelAccessDocument, {
        modelId,
        userId,
      })
    ).revokeModelAccess;
  }
}
