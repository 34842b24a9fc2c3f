import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './url-policy.js';

export interface PostResult {
  /** HTTP status, when a response arrived. */
  statusCode?: number;
  /** Why no usable response arrived (timeout, connection refused, TLS, …); never contains the secret. */
  error?: string;
  /** The first bytes of the response body (UTF-8, control characters removed). */
  excerpt: string;
  durationMs: number;
}

export const EXCERPT_BYTES = 256;

/**
 * One POST to the pinned address of `target` (SNI and certificate checks still use the URL's host name). Redirects
 * are not followed; the response body is read up to EXCERPT_BYTES and dropped.
 */
export function postWebhook(
  target: ResolvedTarget,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
): Promise<PostResult> {
  const started = performance.now();
  const pinned: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const { url } = target;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<PostResult, 'durationMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, durationMs: Math.round(performance.now() - started) });
    };
    const req = transport.request(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        headers: { ...headers, 'content-length': String(body.length), 'user-agent': 'Arca-Webhooks/1' },
        lookup: pinned,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= EXCERPT_BYTES) {
            done();
            res.destroy();
          }
        });
        const done = (): void =>
          finish({ statusCode: res.statusCode, excerpt: excerptOf(Buffer.concat(chunks)) });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      finish({ error: `timed out after ${timeoutMs} ms`, excerpt: '' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      finish({ error: describeError(error), excerpt: '' });
    });
    req.end(body);
  });
}

function excerptOf(bytes: Buffer): string {
  return bytes
    .subarray(0, EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\p{Cc}/gu, ' ')
    .trim();
}

function describeError(error: NodeJS.ErrnoException): string {
  const code = error.code ? `${error.code}: ` : '';
  return `${code}${error.message}`.slice(0, 300);
}
