// A fake Arca server for tests of the SDK and its consumers: answers canned JSON per GraphQL operation name
// (or per `GET /path`) and records every request. Node only; listens on 127.0.0.1, port 0.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Parsed GraphQL request body, when it was JSON. */
  json?: { query?: string; variables?: Record<string, unknown>; operationName?: string };
}

export interface CannedResponse {
  status?: number;
  /** Serialised as JSON; ignored when `raw` is set. */
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (timeout tests). */
  delayMs?: number;
}

export type CannedHandler = CannedResponse | ((request: RecordedRequest) => CannedResponse);

export interface CannedServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answer the GraphQL operation `operationName`, or `GET /path`, with `handler`. */
  on(key: string, handler: CannedHandler): void;
  close(): Promise<void>;
}

/** `{ data: { [field]: value } }` */
export function gqlData(field: string, value: unknown): CannedResponse {
  return { body: { data: { [field]: value } } };
}

/** `{ errors: [{ message, extensions: { code } }], data: null }` with HTTP 200 unless given. */
export function gqlError(code: string, message: string, status = 200): CannedResponse {
  return { status, body: { errors: [{ message, extensions: { code } }], data: null } };
}

export async function startCannedServer(): Promise<CannedServer> {
  const handlers = new Map<string, CannedHandler>();
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
      };
      try {
        recorded.json = JSON.parse(body) as RecordedRequest['json'];
      } catch {
        // not JSON: left undefined
      }
      requests.push(recorded);
      const key = recorded.json?.operationName ?? `${recorded.method} ${recorded.path}`;
      const handler = handlers.get(key);
      const canned: CannedResponse = !handler
        ? { status: 404, body: { errors: [{ message: `no canned answer for ${key}` }] } }
        : typeof handler === 'function'
          ? handler(recorded)
          : handler;
      const send = (): void => {
        const payload = canned.raw ?? JSON.stringify(canned.body ?? null);
        const type = canned.raw === undefined ? 'application/json' : 'text/plain';
        res.writeHead(canned.status ?? 200, { 'content-type': type, ...canned.headers });
        res.end(payload);
      };
      if (canned.delayMs) setTimeout(send, canned.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (key, handler) => void handlers.set(key, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
