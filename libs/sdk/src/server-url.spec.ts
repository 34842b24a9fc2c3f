import { describe, expect, it, vi } from 'vitest';
import { ArcaClient } from './client.js';
import { ArcaError } from './errors.js';
import { isLoopbackHost, parseServerUrl } from './server-url.js';

const KEY = 'arca_0000000000000000000000000000000000000000001abcdef';

function thrown(fn: () => unknown): ArcaError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ArcaError);
    return error as ArcaError;
  }
  throw new Error('expected a throw');
}

describe('server URL', () => {
  it('normalises base URLs and keeps path prefixes', () => {
    expect(parseServerUrl('https://arca.example.com').href).toBe('https://arca.example.com/');
    expect(parseServerUrl(' https://example.com/arca ').href).toBe('https://example.com/arca/');
    expect(new ArcaClient({ serverUrl: 'https://example.com/arca/' }).serverUrl).toBe(
      'https://example.com/arca',
    );
  });

  it.each([
    ['not a url', 'invalid server URL'],
    ['ftp://example.com', 'not http or https'],
    ['file:///etc/passwd', 'not http or https'],
    ['https://user:s3cret@example.com', 'credentials in the URL'],
    ['https://example.com/?x=1', 'query strings'],
  ])('rejects %s', (url, message) => {
    const error = thrown(() => new ArcaClient({ serverUrl: url }));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('s3cret');
  });

  it('recognises loopback hosts', () => {
    for (const host of ['localhost', 'api.localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'LOCALHOST.']) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of ['example.com', '10.0.0.1', '127.0.0.1.nip.io', 'localhost.example.com', '[::2]']) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});

describe('insecure transport', () => {
  it('refuses an API key for plain http to a remote host, before any request', () => {
    const fetchSpy = vi.fn<typeof fetch>();
    const error = thrown(
      () => new ArcaClient({ serverUrl: 'http://arca.example.com', token: KEY, fetch: fetchSpy }),
    );
    expect(error.code).toBe('INSECURE_TRANSPORT');
    expect(error.message).toContain('arca.example.com');
    expect(error.message).not.toContain(KEY);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('refuses to send a password over plain http and to accept a token later', async () => {
    const fetchSpy = vi.fn<typeof fetch>();
    const client = new ArcaClient({ serverUrl: 'http://10.1.2.3:8080', fetch: fetchSpy });
    await expect(client.login({ email: 'a@b.c', password: 'x'.repeat(12) })).rejects.toMatchObject({
      code: 'INSECURE_TRANSPORT',
    });
    expect(() => client.setToken(KEY)).toThrow(ArcaError);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('allows plain http to loopback, https anywhere, and anything with allowInsecure', async () => {
    const fetchSpy = vi.fn<typeof fetch>(() => Promise.resolve(Response.json({ data: { logout: true } })));
    for (const serverUrl of ['http://localhost:3000', 'https://arca.example.com']) {
      await new ArcaClient({ serverUrl, token: KEY, fetch: fetchSpy }).logout();
    }
    await new ArcaClient({
      serverUrl: 'http://arca.test',
      token: KEY,
      fetch: fetchSpy,
      allowInsecure: true,
    }).logout();
    expect(fetchSpy.mock.calls.map(([url]) => (url as URL).href)).toEqual([
      'http://localhost:3000/graphql',
      'https://arca.example.com/graphql',
      'http://arca.test/graphql',
    ]);
  });

  it('allows unauthenticated health checks over plain http', async () => {
    const fetchSpy = vi.fn<typeof fetch>(() => Promise.resolve(new Response('ok')));
    const client = new ArcaClient({ serverUrl: 'http://arca.example.com', fetch: fetchSpy });
    expect(await client.health()).toEqual({ healthy: true, ready: true });
  });
});
