import {
  AcceptInvitationDocument,
  InvitationsDocument,
  InviteMemberDocument,
  MembersDocument,
  RemoveMemberDocument,
  RevokeInvitationDocument,
  TenantDocument,
  UpdateMemberRoleDocument,
  UpdateTenantDocument,
} from '../documents.js';
import { paginate, toPage } from '../pagination.js';
import { toGraphqlRole } from '../roles.js';
import type { Transport } from '../transport.js';
import type {
  AcceptInvitationInput,
  Connection,
  CreatedInvitation,
  Invitation,
  InviteMemberInput,
  LoginResult,
  Member,
  Page,
  PageOptions,
  RoleInput,
  Tenant,
  UpdateTenantInput,
} from '../types.js';

export class TenantApi {
  constructor(private readonly transport: Transport) {}

  async get(): Promise<Tenant> {
    return (await this.transport.graphql<{ tenant: Tenant }>(TenantDocument)).tenant;
  }

  async update(input: UpdateTenantInput): Promise<Tenant> {
    return (await this.transport.graphql<{ updateTenant: Tenant }>(UpdateTenantDocument, { input }))
      .updateTenant;
  }
}

export class MembersApi {
  constructor(private readonly transport: Transport) {}

  async list(options: PageOptions = {}): Promise<Page<Member>> {
    const { first, after } = options;
    const data = await this.transport.graphql<{ members: Connection<Member> }>(MembersDocument, {
      first,
      after,
    });
    return toPage(data.members);
  }

  listAll(options: PageOptions = {}): AsyncGenerator<Page<Member>, void, undefined> {
    return paginate(options, (o) => this.list(o));
  }

  async updateRole(userId: string, role: RoleInput): Promise<Member> {
    const input = { userId, role: toGraphqlRole(role) };
    return (await this.transport.graphql<{ updateMemberRole: Member }>(UpdateMemberRoleDocument, { input }))
      .updateMemberRole;
  }

  async remove(userId: string): Promise<boolean> {
    return (await this.transport.graphql<{ removeMember: boolean }>(RemoveMemberDocument, { userId }))
      .removeMember;
  }
}

export class InvitationsApi {
  constructor(private readonly transport: Transport) {}

  async list(): Promise<Invitation[]> {
    return (await this.transport.graphql<{ invitations: Invitation[] }>(InvitationsDocument)).invitations;
  }

  /** The returned `token` is shown once; the invitee passes it to `accept`. */
  async create(input: InviteMemberInput): Promise<CreatedInvitation> {
    const variables = { input: { email: input.email, role: toGraphqlRole(input.role) } };
    return (
      await this.transport.graphql<{ inviteMember: CreatedInvitation }>(InviteMemberDocument, variables)
    ).inviteMember;
  }

  async revoke(id: string): Promise<Invitation> {
    return (await this.transport.graphql<{ revokeInvitation: Invitation }>(RevokeInvitationDocument, { id }))
      .revokeInvitation;
  }

  /** Public: creates the account (or joins the tenant) and signs the client in with the new session. */
  async accept(input: AcceptInvitationInput): Promise<LoginResult> {
    const result = (
      await this.transport.graphql<{ acceptInvitation: LoginResult }>(AcceptInvitationDocument, { input })
    ).acceptInvitation;
    if (result.token) this.transport.setToken(result.token);
    return result;
  }
}
