import { ArcaError } from './errors.js';

/**
 * Parses and normalises a server base URL: http or https only, no embedded credentials, no query or fragment.
 * A path prefix is kept (`https://example.com/arca` → endpoints under `/arca/`).
 */
export function parseServerUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ArcaError(
      'BAD_USER_INPUT',
      `invalid server URL "${raw}": expected e.g. https://arca.example.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ArcaError('BAD_USER_INPUT', `invalid server URL: scheme ${url.protocol} is not http or https`);
  }
  if (url.username || url.password) {
    // Never echo the URL here: it holds a secret.
    throw new ArcaError('BAD_USER_INPUT', 'invalid server URL: credentials in the URL are not allowed');
  }
  if (url.search || url.hash) {
    throw new ArcaError('BAD_USER_INPUT', 'invalid server URL: query strings and fragments are not allowed');
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** The base URL as users write it: no trailing slash. */
export function displayServerUrl(url: URL): string {
  return url.href.replace(/\/$/, '');
}

/** Hosts whose traffic never leaves the machine: localhost, *.localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]') return true;
  return /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** True when credentials sent to `url` could be read on the network. */
export function isInsecure(url: URL): boolean {
  return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
}

export function insecureTransportError(url: URL): ArcaError {
  return new ArcaError(
    'INSECURE_TRANSPORT',
    `refusing to send credentials over plain http to ${url.host}; use https:// ` +
      '(plain http is allowed only for localhost, or with allowInsecure: true)',
  );
}
