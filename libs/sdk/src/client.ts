import { ChangePasswordDocument, LoginDocument, LogoutDocument, MeDocument } from './documents.js';
import { ApiKeysApi } from './resources/api-keys.js';
import { AuditApi } from './resources/audit.js';
import { GrantsApi } from './resources/grants.js';
import { ModelsApi } from './resources/models.js';
import { InvitationsApi, MembersApi, TenantApi } from './resources/tenancy.js';
import { Transport } from './transport.js';
import { TransfersApi } from './transfers/transfers.js';
import { AliasesApi } from './versions-aliases.js';
import { VersionsApi } from './versions.js';
import type { ChangePasswordInput, HealthStatus, LoginInput, LoginResult, Me } from './types.js';

export interface ArcaClientOptions {
  /** Base URL of the Arca server, e.g. `https://arca.example.com` (http only for loopback hosts). */
  serverUrl: string;
  /** An API key (`arca_…`) or a session token. */
  token?: string;
  /** Custom fetch (tests, proxies). Defaults to the global fetch. */
  fetch?: typeof fetch;
  userAgent?: string;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
  /** Allow credentials over plain http to non-loopback hosts. For disposable test setups only. */
  allowInsecure?: boolean;
}

/** Typed client of the Arca GraphQL API. Every method throws `ArcaError` on failure. */
export class ArcaClient {
  readonly models: ModelsApi;
  readonly apiKeys: ApiKeysApi;
  readonly members: MembersApi;
  readonly invitations: InvitationsApi;
  readonly tenant: TenantApi;
  readonly grants: GrantsApi;
  readonly audit: AuditApi;
  readonly versions: VersionsApi;
  readonly aliases: AliasesApi;
  /** Model bytes in and out: resumable uploads and hash-checked downloads. */
  readonly transfers: TransfersApi;
  private readonly transport: Transport;

  /** Throws ArcaError BAD_USER_INPUT for an invalid URL, INSECURE_TRANSPORT for a token over plain http. */
  constructor(options: ArcaClientOptions) {
    this.transport = new Transport(options);
    this.models = new ModelsApi(this.transport);
    this.apiKeys = new ApiKeysApi(this.transport);
    this.members = new MembersApi(this.transport);
    this.invitations = new InvitationsApi(this.transport);
    this.tenant = new TenantApi(this.transport);
    this.grants = new GrantsApi(this.transport);
    this.audit = new AuditApi(this.transport);
    this.versions = new VersionsApi(this.transport);
    this.aliases = new AliasesApi(this.transport);
    this.transfers = new TransfersApi(this.transport, this.versions);
  }

  /** The normalised server URL, without a trailing slash. */
  get serverUrl(): string {
    return this.transport.server;
  }

  get hasToken(): boolean {
    return this.transport.hasToken;
  }

  /** Replaces (or with `undefined` clears) the credential used for later requests. */
  setToken(token: string | undefined): void {
    this.transport.setToken(token);
  }

  async me(): Promise<Me> {
    return (await this.transport.graphql<{ me: Me }>(MeDocument)).me;
  }

  /** Password login; on success the client uses the new session token for later requests. */
  async login(input: LoginInput): Promise<LoginResult> {
    const result = (await this.transport.graphql<{ login: LoginResult }>(LoginDocument, { input })).login;
    if (result.token) this.transport.setToken(result.token);
    return result;
  }

  /** Ends the current session (session tokens only) and forgets the token. */
  async logout(): Promise<boolean> {
    const ok = (await this.transport.graphql<{ logout: boolean }>(LogoutDocument)).logout;
    this.transport.setToken(undefined);
    return ok;
  }

  async changePassword(input: ChangePasswordInput): Promise<boolean> {
    return (await this.transport.graphql<{ changePassword: boolean }>(ChangePasswordDocument, { input }))
      .changePassword;
  }

  /** GET /healthz and /readyz, without credentials. Throws only when the server cannot be reached. */
  async health(): Promise<HealthStatus> {
    const [live, ready] = await Promise.all([this.transport.get('healthz'), this.transport.get('readyz')]);
    return { healthy: live >= 200 && live < 300, ready: ready >= 200 && ready < 300 };
  }

  /** Escape hatch for operations this SDK does not wrap yet: returns the response's `data`. */
  async request<T>(document: string, variables?: Record<string, unknown>): Promise<T> {
    return this.transport.graphql<T>(document, variables);
  }
}
