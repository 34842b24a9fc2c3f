import { ArcaError, toErrorCode, type GraphqlErrorBody } from './errors.js';
import { displayServerUrl, insecureTransportError, isInsecure, parseServerUrl } from './server-url.js';
import { SDK_VERSION } from './version.js';

export interface TransportOptions {
  serverUrl: string;
  token?: string;
  fetch?: typeof fetch;
  userAgent?: string;
  timeoutMs?: number;
  allowInsecure?: boolean;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** A non-GraphQL request (byte transfers): see Transport.raw. */
export interface RawRequest {
  method: 'GET' | 'PUT';
  headers?: Record<string, string>;
  body?: ReadableStream<Uint8Array> | Uint8Array;
  signal?: AbortSignal;
}

/** Maps HTTP statuses of non-GraphQL answers (proxies, gateways) to codes callers already handle. */
const STATUS_CODES: Readonly<Record<number, ArcaError['code']>> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  429: 'RATE_LIMITED',
};

/** Sends GraphQL POSTs and plain GETs; owns the token, the timeout and all error mapping. */
export class Transport {
  readonly baseUrl: URL;
  readonly server: string;
  private token: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly allowInsecure: boolean;

  constructor(options: TransportOptions) {
    this.baseUrl = parseServerUrl(options.serverUrl);
    this.server = displayServerUrl(this.baseUrl);
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.userAgent = options.userAgent ?? `arca-sdk/${SDK_VERSION}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.allowInsecure = options.allowInsecure ?? false;
    if (!(this.timeoutMs > 0)) throw new ArcaError('BAD_USER_INPUT', 'timeoutMs must be a positive number');
    this.setToken(options.token);
  }

  get hasToken(): boolean {
    return this.token !== undefined;
  }

  /** Sets or clears the bearer credential; refuses one that would travel in clear text. */
  setToken(token: string | undefined): void {
    if (token !== undefined && token !== '') this.assertSecure();
    this.token = token === '' ? undefined : token;
  }

  /** POSTs one GraphQL operation and returns its `data`, or throws ArcaError. */
  async graphql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    // Every GraphQL request carries a secret: a token, or a password / invitation token in its variables.
    this.assertSecure();
    const url = new URL('graphql', this.baseUrl);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'apollo-require-preflight': 'true',
      'user-agent': this.userAgent,
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const operationName = /^(?:query|mutation)\s+(\w+)/.exec(query)?.[1];
    const body = JSON.stringify({ query, variables: variables ?? {}, operationName });
    const { status, text, requestId } = await this.send(url, { method: 'POST', headers, body });
    return this.parseGraphql<T>(status, text, requestId);
  }

  /** GETs a path under the server URL without credentials; returns the status. */
  async get(path: string): Promise<number> {
    const url = new URL(path, this.baseUrl);
    const { status } = await this.send(url, { method: 'GET', headers: { 'user-agent': this.userAgent } });
    return status;
  }

  /**
   * Authenticated GET of a JSON Lines stream (`path` may carry a query string): yields each line parsed. Errors
   * before the body starts map like GraphQL ones; the timeout covers the wait for the response headers only.
   */
  async *getLines(path: string): AsyncGenerator<unknown> {
    this.assertSecure();
    const url = new URL(path, this.baseUrl);
    const headers: Record<string, string> = { accept: 'application/x-ndjson', 'user-agent': this.userAgent };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException('timeout', 'TimeoutError')),
      this.timeoutMs,
    );
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: 'GET',
        headers,
        redirect: 'manual',
        signal: controller.signal,
      });
    } catch (error) {
      throw this.networkError(error);
    } finally {
      clearTimeout(timer);
    }
    const requestId = res.headers.get('x-request-id') ?? undefined;
    if (res.status < 200 || res.status >= 300 || !res.body) {
      const text = await res.text().catch(() => '');
      let body: { error?: { code?: unknown; message?: unknown } } | undefined;
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = undefined;
      }
      const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${res.status}`;
      const code =
        body?.error?.code !== undefined
          ? toErrorCode(body.error.code)
          : (STATUS_CODES[res.status] ?? 'HTTP_ERROR');
      throw new ArcaError(code, this.redact(message), { httpStatus: res.status, requestId });
    }
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let buffered = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim()) yield JSON.parse(line) as unknown;
      }
    }
    buffered += decoder.decode();
    if (buffered.trim()) yield JSON.parse(buffered) as unknown;
  }

  /** The per-request timeout; byte transfers use it as their stall timeout. */
  get requestTimeoutMs(): number {
    return this.timeoutMs;
  }

  /**
   * A request outside GraphQL, for byte transfers, to `path` (relative to the server URL, as the server hands out
   * upload and download paths). The caller brings its own credential in `headers` (an upload token; a download
   * path is its own secret), its own cancellation (`signal`) and reads the body itself. Plain http is refused as
   * for GraphQL, the URL must stay on the server's origin, redirects are not followed; any status is returned.
   * Throws NETWORK_ERROR when there is no answer. Never puts `path` into an error message.
   */
  async raw(path: string, init: RawRequest): Promise<Response> {
    this.assertSecure();
    const url = new URL(path.replace(/^\/+/, ''), this.baseUrl);
    if (url.origin !== this.baseUrl.origin || !url.pathname.startsWith(this.baseUrl.pathname)) {
      throw new ArcaError('BAD_USER_INPUT', `the server handed out a transfer URL outside ${this.server}`);
    }
    const request: RequestInit & { duplex?: 'half' } = {
      method: init.method,
      headers: { 'user-agent': this.userAgent, ...init.headers },
      body: init.body,
      redirect: 'manual',
      signal: init.signal,
    };
    // Streaming request bodies need half duplex (Node's fetch insists; Chromium streams only over HTTP/2).
    if (init.body instanceof ReadableStream) request.duplex = 'half';
    let res: Response;
    try {
      res = await this.fetchImpl(url, request);
    } catch (error) {
      throw this.networkError(error);
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw new ArcaError('HTTP_ERROR', `${this.server} answered with a redirect (HTTP ${res.status})`, {
        httpStatus: res.status,
        requestId: res.headers.get('x-request-id') ?? undefined,
      });
    }
    return res;
  }

  private assertSecure(): void {
    if (!this.allowInsecure && isInsecure(this.baseUrl)) throw insecureTransportError(this.baseUrl);
  }

  private async send(
    url: URL,
    init: RequestInit,
  ): Promise<{ status: number; text: string; requestId?: string }> {
    try {
      // Redirects are not followed: a redirect could carry the Authorization header somewhere else.
      const res = await this.fetchImpl(url, {
        ...init,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const requestId = res.headers.get('x-request-id') ?? undefined;
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        throw new ArcaError(
          'HTTP_ERROR',
          `${this.server} answered with a redirect (HTTP ${res.status}); check the server URL`,
          { httpStatus: res.status, requestId },
        );
      }
      return { status: res.status, text: await res.text(), requestId };
    } catch (error) {
      if (error instanceof ArcaError) throw error;
      throw this.networkError(error);
    }
  }

  private networkError(error: unknown): ArcaError {
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new ArcaError('NETWORK_ERROR', `${this.server} did not answer within ${this.timeoutMs} ms`, {
        timedOut: true,
        cause: error,
      });
    }
    const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
    const detail = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
    return new ArcaError('NETWORK_ERROR', `cannot reach ${this.server}${detail}`, { cause: error });
  }

  private parseGraphql<T>(status: number, text: string, requestId: string | undefined): T {
    let json: { data?: unknown; errors?: unknown } | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object') json = parsed;
    } catch {
      json = undefined;
    }
    const errors = Array.isArray(json?.errors) ? (json.errors as GraphqlErrorBody[]) : [];
    const first = errors[0];
    if (first) {
      const message = typeof first.message === 'string' ? first.message : 'unknown error';
      throw new ArcaError(toErrorCode(first.extensions?.code), this.redact(message), {
        httpStatus: status,
        requestId,
        errors,
      });
    }
    if (json?.data && typeof json.data === 'object' && status >= 200 && status < 300) return json.data as T;
    const what = json ? 'an unexpected JSON body' : 'a non-JSON body';
    throw new ArcaError(
      STATUS_CODES[status] ?? 'HTTP_ERROR',
      `${this.server} answered HTTP ${status} with ${what}`,
      {
        httpStatus: status,
        requestId,
      },
    );
  }

  /** Defence in depth: a server message must never carry our credential into logs. */
  private redact(message: string): string {
    return this.token ? message.split(this.token).join('[redacted]') : message;
  }
}
