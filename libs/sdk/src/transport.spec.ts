import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArcaClient } from './client.js';
import { MeDocument } from './documents.js';
import { ArcaError } from './errors.js';
import { gqlData, gqlError, sampleMe, startCannedServer, type CannedServer } from './testing/index.js';

const KEY = 'arca_0000000000000000000000000000000000000000001abcdef';

let server: CannedServer;
beforeEach(async () => {
  server = await startCannedServer();
});
afterEach(async () => {
  await server.close();
});

async function failure(promise: Promise<unknown>): Promise<ArcaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArcaError);
  return error as ArcaError;
}

describe('GraphQL transport', () => {
  it('POSTs the document with the expected headers and body', async () => {
    server.on('Me', gqlData('me', sampleMe()));
    const client = new ArcaClient({ serverUrl: server.url + '/', token: KEY, userAgent: 'test-agent/1' });
    expect(await client.me()).toEqual(sampleMe());
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/graphql');
    expect(req?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['apollo-require-preflight']).toBe('true');
    expect(req?.headers['user-agent']).toBe('test-agent/1');
    expect(req?.json).toEqual({ query: MeDocument, variables: {}, operationName: 'Me' });
  });

  it('sends no authorization header without a token, and uses the session after login', async () => {
    server.on(
      'Login',
      gqlData('login', { token: 'session-token', expiresAt: '2030-01-01T00:00:00Z', me: sampleMe() }),
    );
    server.on('Logout', gqlData('logout', true));
    server.on('Me', gqlData('me', sampleMe()));
    const client = new ArcaClient({ serverUrl: server.url });
    await client.login({ email: 'ada@example.com', password: 'correct horse battery' });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(server.requests[0]?.json?.variables).toEqual({
      input: { email: 'ada@example.com', password: 'correct horse battery' },
    });
    await client.me();
    expect(server.requests[1]?.headers.authorization).toBe('Bearer session-token');
    await client.logout();
    await client.me();
    expect(server.requests[3]?.headers.authorization).toBeUndefined();
  });

  it.each([
    ['UNAUTHENTICATED', 200],
    ['FORBIDDEN', 200],
    ['NOT_FOUND', 200],
    ['CONFLICT', 200],
    ['BAD_USER_INPUT', 200],
    ['FAILED_PRECONDITION', 200],
    ['RATE_LIMITED', 200],
    ['INTERNAL_SERVER_ERROR', 200],
    ['GRAPHQL_VALIDATION_FAILED', 400],
    ['GRAPHQL_PARSE_FAILED', 400],
  ])('maps a %s error (HTTP %i)', async (code, status) => {
    server.on('Me', gqlError(code, `went wrong: ${code}`, status));
    const error = await failure(new ArcaClient({ serverUrl: server.url, token: KEY }).me());
    expect(error.code).toBe(code);
    expect(error.message).toBe(`went wrong: ${code}`);
    expect(error.httpStatus).toBe(status);
    expect(error.errors).toHaveLength(1);
  });

  it('maps unknown codes to INTERNAL_SERVER_ERROR and keeps the raw errors and request id', async () => {
    server.on('Me', {
      headers: { 'x-request-id': 'req-42' },
      body: { errors: [{ message: 'odd', extensions: { code: 'SOMETHING_NEW' } }] },
    });
    const error = await failure(new ArcaClient({ serverUrl: server.url, token: KEY }).me());
    expect(error.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.errors[0]?.extensions?.code).toBe('SOMETHING_NEW');
    expect(error.requestId).toBe('req-42');
  });

  it('maps non-JSON and non-GraphQL answers', async () => {
    const client = new ArcaClient({ serverUrl: server.url, token: KEY });
    server.on('Me', { status: 502, raw: '<html>Bad gateway</html>' });
    let error = await failure(client.me());
    expect([error.code, error.httpStatus]).toEqual(['HTTP_ERROR', 502]);
    expect(error.message).toContain('non-JSON');
    server.on('Me', { status: 429, raw: 'slow down' });
    error = await failure(client.me());
    expect([error.code, error.httpStatus]).toEqual(['RATE_LIMITED', 429]);
    server.on('Me', { status: 200, body: { hello: 'world' } });
    expect((await failure(client.me())).code).toBe('HTTP_ERROR');
  });

  it('does not follow redirects', async () => {
    server.on('Me', { status: 307, headers: { location: 'http://127.0.0.1:1/graphql' }, raw: '' });
    const error = await failure(new ArcaClient({ serverUrl: server.url, token: KEY }).me());
    expect([error.code, error.httpStatus]).toEqual(['HTTP_ERROR', 307]);
    expect(server.requests).toHaveLength(1);
  });

  it('never puts the token into error messages', async () => {
    server.on('Me', gqlError('UNAUTHENTICATED', `unknown key ${KEY}`));
    const error = await failure(new ArcaClient({ serverUrl: server.url, token: KEY }).me());
    expect(error.message).toBe('unknown key [redacted]');
  });

  it('reports an unreachable server as NETWORK_ERROR', async () => {
    const url = server.url;
    await server.close();
    const error = await failure(new ArcaClient({ serverUrl: url, token: KEY }).me());
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.timedOut).toBe(false);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain(KEY);
    server = await startCannedServer();
  });

  it('times out slow answers', async () => {
    server.on('Me', { ...gqlData('me', sampleMe()), delayMs: 2_000 });
    const started = Date.now();
    const error = await failure(new ArcaClient({ serverUrl: server.url, token: KEY, timeoutMs: 100 }).me());
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.timedOut).toBe(true);
    expect(error.message).toContain('100 ms');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('reports health from /healthz and /readyz without credentials', async () => {
    server.on('GET /healthz', { body: { status: 'ok' } });
    server.on('GET /readyz', { status: 503, body: { status: 'starting' } });
    const client = new ArcaClient({ serverUrl: server.url, token: KEY });
    expect(await client.health()).toEqual({ healthy: true, ready: false });
    expect(server.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });
});
