import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ArcaClient } from '../client.js';
import { ArcaError } from '../errors.js';
import type { ModelVersion } from '../versions-types.js';
import { VersionFailedError } from './http.js';
import { bytesSource } from './upload.js';

// The transfer logic against an in-memory fake of the byte endpoints (a custom fetch): uploads keep whole
// segments of a body that breaks off, downloads honour Range, and faults are injected per request.

const SEG = 1024;
const KEY = 'arca_0000000000000000000000000000000000000000001abcdef';
const UPLOAD_TOKEN = 'arcu_secret-upload-token';
const DOWNLOAD_TOKEN = 'arcd_secret-download-token';
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function version(overrides: Partial<ModelVersion> = {}): ModelVersion {
  return {
    id: 'v-1',
    modelId: 'm-1',
    number: 1,
    state: 'READY',
    failureCode: null,
    failureReason: null,
    sizeBytes: 0,
    sha256: null,
    irVersion: 10,
    opsetImports: [],
    inputs: [],
    outputs: [],
    parameterCount: null,
    producer: null,
    parentVersionId: null,
    description: '',
    card: { intendedUse: null, limitations: null, metrics: null },
    tags: [],
    createdById: 'u-1',
    createdAt: '2025-01-01T00:00:00.000Z',
    readyAt: null,
    archivedAt: null,
    ...overrides,
  };
}

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const httpError = (status: number, code: string, message: string): Response =>
  json({ error: { code, message } }, status);

interface Fault {
  /** PUT: read this many body bytes, then fail the request as a broken connection would. */
  breakAfter?: number;
  /** GET download: send this many bytes, then cut the connection. */
  cutAfter?: number;
  response?: Response;
}

/** A fake Arca: GraphQL by operation name, the upload and download endpoints by path. */
class FakeArca {
  readonly log: string[] = [];
  stored = new Uint8Array(0);
  declared = 0;
  finalized = 0;
  aborted = 0;
  grants = 0;
  /** Bytes served by download GETs. */
  file = new Uint8Array(0);
  fileSha = '';
  grantStatus: { state: string; failureCode: string | null } = { state: 'active', failureCode: null };
  finalState: ModelVersion['state'] = 'READY';
  faults: Fault[] = [];
  putFaults: Fault[] = [];

  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init.headers);
    const method = init.method ?? 'GET';
    if (url.pathname === '/graphql') {
      const body = JSON.parse(init.body as string) as {
        operationName: string;
        variables: Record<string, unknown>;
      };
      this.log.push(body.operationName);
      return this.graphql(body.operationName, body.variables);
    }
    this.log.push(`${method} ${url.pathname}${headers.get('range') ? ` ${headers.get('range')}` : ''}`);
    if (url.pathname === '/v1/uploads/up-1') {
      if (headers.get('authorization') !== `Bearer ${UPLOAD_TOKEN}`) {
        return httpError(404, 'NOT_FOUND', 'gone');
      }
      return method === 'PUT'
        ? this.put(headers, init.body as ReadableStream<Uint8Array> | Uint8Array)
        : this.progress();
    }
    if (url.pathname === `/v1/downloads/${DOWNLOAD_TOKEN}/status`) return json(this.grantStatus);
    if (url.pathname === `/v1/downloads/${DOWNLOAD_TOKEN}`) {
      return this.get(headers, init.signal ?? undefined);
    }
    return httpError(404, 'NOT_FOUND', 'no route');
  };

  private graphql(op: string, variables: Record<string, unknown>): Response {
    const data = (field: string, value: unknown): Response => json({ data: { [field]: value } });
    switch (op) {
      case 'CreateUpload': {
        this.declared = (variables.input as { sizeBytes: number }).sizeBytes;
        return data('createUpload', {
          id: 'up-1',
          modelId: 'm-1',
          url: '/v1/uploads/up-1',
          token: UPLOAD_TOKEN,
          state: 'open',
          declaredSize: this.declared,
          receivedSize: 0,
          segmentSize: SEG,
          expiresAt: '2030-01-01T00:00:00.000Z',
        });
      }
      case 'FinalizeUpload': {
        this.finalized++;
        const failed = this.finalState === 'FAILED';
        return data(
          'finalizeUpload',
          version({
            state: this.finalState,
            sizeBytes: this.stored.length,
            sha256: failed ? null : sha(this.stored),
            failureCode: failed ? 'ONNX_MALFORMED' : null,
            failureReason: failed ? 'not a ModelProto' : null,
          }),
        );
      }
      case 'AbortUpload':
        this.aborted++;
        return data('abortUpload', true);
      case 'CreateDownload':
        this.grants++;
        return data('createDownload', {
          id: `g-${this.grants}`,
          versionId: 'v-1',
          url: `/v1/downloads/${DOWNLOAD_TOKEN}`,
          expiresAt: '2030-01-01T00:00:00.000Z',
          sizeBytes: this.file.length,
          sha256: this.fileSha || sha(this.file),
        });
      default:
        return json({
          errors: [{ message: `unexpected ${op}`, extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        });
    }
  }

  private progress(): Response {
    return json({
      uploadId: 'up-1',
      receivedSize: this.stored.length,
      declaredSize: this.declared,
      complete: this.stored.length === this.declared,
    });
  }

  private async put(headers: Headers, body: ReadableStream<Uint8Array> | Uint8Array): Promise<Response> {
    const fault = this.putFaults.shift();
    if (fault?.response) return fault.response;
    const start = Number(/^bytes (\d+)-\*\/\*$/.exec(headers.get('content-range') ?? '')?.[1] ?? 0);
    if (start !== this.stored.length) {
      return json(
        { error: { code: 'CONFLICT', message: 'wrong offset', details: { offset: this.stored.length } } },
        409,
      );
    }
    const received: number[] = [];
    if (body instanceof ReadableStream) {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done || !value) break;
        received.push(...value);
        if (fault?.breakAfter !== undefined && received.length >= fault.breakAfter) {
          await reader.cancel();
          // Whole segments only, as the server commits them.
          const kept = Math.floor((start + fault.breakAfter) / SEG) * SEG - start;
          this.append(received.slice(0, Math.max(0, kept)));
          throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
        }
      }
    } else received.push(...body);
    if (start + received.length > this.declared) return httpError(400, 'BAD_USER_INPUT', 'too long');
    const end = start + received.length;
    const kept = end === this.declared ? received.length : Math.floor(end / SEG) * SEG - start;
    this.append(received.slice(0, kept));
    return this.progress();
  }

  private append(bytes: number[]): void {
    const next = new Uint8Array(this.stored.length + bytes.length);
    next.set(this.stored);
    next.set(bytes, this.stored.length);
    this.stored = next;
  }

  private get(headers: Headers, signal?: AbortSignal): Response {
    const fault = this.faults.shift();
    if (fault?.response) return fault.response;
    const start = Number(/^bytes=(\d+)-$/.exec(headers.get('range') ?? '')?.[1] ?? 0);
    const end =
      fault?.cutAfter !== undefined ? Math.min(start + fault.cutAfter, this.file.length) : this.file.length;
    const bytes = this.file.slice(start, end);
    const cut = fault?.cutAfter !== undefined;
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at < bytes.length) {
          controller.enqueue(bytes.slice(at, at + 700));
          at += 700;
        } else if (cut) controller.error(new TypeError('terminated'));
        else controller.close();
      },
    });
    void signal;
    return new Response(stream, {
      status: start > 0 ? 206 : 200,
      headers:
        start > 0 ? { 'content-range': `bytes ${start}-${this.file.length - 1}/${this.file.length}` } : {},
    });
  }
}

function client(fake: FakeArca): ArcaClient {
  return new ArcaClient({ serverUrl: 'http://127.0.0.1:9', token: KEY, fetch: fake.fetch });
}

async function failure(promise: Promise<unknown>): Promise<ArcaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArcaError);
  return error as ArcaError;
}

describe('transfers.upload', () => {
  it('uploads, finalizes and reports progress', async () => {
    const fake = new FakeArca();
    const data = randomBytes(5 * SEG + 17);
    const seen: number[] = [];
    const v = await client(fake).transfers.upload({
      modelId: 'm-1',
      size: data.length,
      source: bytesSource(data, 1000),
      tags: ['a'],
      onProgress: (p) => seen.push(p.transferred),
    });
    expect(v.sha256).toBe(sha(data));
    expect(Buffer.from(fake.stored).equals(data)).toBe(true);
    expect(fake.log).toEqual(['CreateUpload', 'PUT /v1/uploads/up-1', 'FinalizeUpload']);
    expect(seen.at(-1)).toBe(data.length);
  });

  it('resumes from the whole segments the server kept when the body breaks off, re-reading the source', async () => {
    const fake = new FakeArca();
    fake.putFaults = [{ breakAfter: 2 * SEG + 300 }, { breakAfter: 1500 }];
    const data = randomBytes(6 * SEG + 5);
    const starts: number[] = [];
    const retries: string[] = [];
    const v = await client(fake).transfers.upload({
      modelId: 'm-1',
      size: data.length,
      source: (start) => {
        starts.push(start);
        return bytesSource(data, 512)(start);
      },
      retryDelayMs: 0,
      onRetry: (r) => retries.push(`${r.attempt}:${r.error.code}`),
    });
    expect(starts).toEqual([0, 2 * SEG, 3 * SEG]);
    expect(retries).toEqual(['1:NETWORK_ERROR', '1:NETWORK_ERROR']);
    expect(Buffer.from(fake.stored).equals(data)).toBe(true);
    expect(v.state).toBe('READY');
    expect(fake.log.filter((l) => l.startsWith('GET'))).toHaveLength(2);
  });

  it('gives up after `retries` failures that moved no bytes, and aborts the upload', async () => {
    const fake = new FakeArca();
    fake.putFaults = [{ breakAfter: 10 }, { breakAfter: 10 }, { breakAfter: 10 }];
    const data = randomBytes(3 * SEG);
    const error = await failure(
      client(fake).transfers.upload({
        modelId: 'm-1',
        size: data.length,
        source: bytesSource(data),
        retries: 2,
        retryDelayMs: 0,
      }),
    );
    expect(error.code).toBe('NETWORK_ERROR');
    expect(fake.aborted).toBe(1);
    expect(fake.finalized).toBe(0);
  });

  it('re-reads the server offset after a 409 and never retries a refusal', async () => {
    const fake = new FakeArca();
    fake.putFaults = [{ response: httpError(409, 'CONFLICT', 'the upload continues at byte 0') }];
    const data = randomBytes(SEG + 1);
    await client(fake).transfers.upload({
      modelId: 'm-1',
      size: data.length,
      source: bytesSource(data),
      retryDelayMs: 0,
    });
    expect(Buffer.from(fake.stored).equals(data)).toBe(true);

    const refused = new FakeArca();
    refused.putFaults = [{ response: httpError(404, 'NOT_FOUND', `upload link ${UPLOAD_TOKEN} not found`) }];
    const error = await failure(
      client(refused).transfers.upload({
        modelId: 'm-1',
        size: 4,
        source: bytesSource(new Uint8Array(4)),
        retryDelayMs: 0,
      }),
    );
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('upload link [redacted] not found');
    expect(refused.log.filter((l) => l.startsWith('PUT'))).toHaveLength(1);
  });

  it('throws VersionFailedError with the reason when validation fails', async () => {
    const fake = new FakeArca();
    fake.finalState = 'FAILED';
    const error = await failure(
      client(fake).transfers.upload({
        modelId: 'm-1',
        size: 3,
        source: bytesSource(new Uint8Array([1, 2, 3])),
      }),
    );
    expect(error).toBeInstanceOf(VersionFailedError);
    expect(error.code).toBe('VERSION_FAILED');
    expect((error as VersionFailedError).failureCode).toBe('ONNX_MALFORMED');
    expect(error.message).toBe('version 1 failed validation: not a ModelProto');
  });

  it('refuses a source shorter or longer than the declared size, without retrying', async () => {
    for (const [size, bytes, message] of [
      [10, 6, /ended after 6 bytes.*declared as 10/],
      [4, 6, /more than the declared 4 bytes/],
    ] as const) {
      const fake = new FakeArca();
      const error = await failure(
        client(fake).transfers.upload({
          modelId: 'm-1',
          size,
          source: bytesSource(new Uint8Array(bytes)),
          retryDelayMs: 0,
        }),
      );
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(message);
      expect(fake.log.filter((l) => l.startsWith('PUT'))).toHaveLength(1);
      expect(fake.aborted).toBe(1);
    }
  });
});

describe('transfers.download', () => {
  function fakeWithFile(size = 5000): { fake: FakeArca; data: Buffer } {
    const fake = new FakeArca();
    const data = randomBytes(size);
    fake.file = data;
    return { fake, data };
  }

  it('streams into a callback sink and verifies the hash', async () => {
    const { fake, data } = fakeWithFile();
    const parts: Uint8Array[] = [];
    const result = await client(fake).transfers.download({
      versionId: 'v-1',
      sink: (c) => void parts.push(c),
    });
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    expect(result).toEqual({
      versionId: 'v-1',
      sizeBytes: data.length,
      sha256: sha(data),
      fetchedBytes: data.length,
    });
  });

  it('resumes with Range after a cut connection while the grant is still active', async () => {
    const { fake, data } = fakeWithFile();
    fake.faults = [{ cutAfter: 2100 }, { cutAfter: 1400 }];
    const parts: Uint8Array[] = [];
    await client(fake).transfers.download({
      versionId: 'v-1',
      sink: (c) => void parts.push(c),
      retryDelayMs: 0,
    });
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    expect(fake.log.filter((l) => l.startsWith('GET /v1/downloads/') && !l.includes('status'))).toEqual([
      `GET /v1/downloads/${DOWNLOAD_TOKEN}`,
      `GET /v1/downloads/${DOWNLOAD_TOKEN} bytes=2100-`,
      `GET /v1/downloads/${DOWNLOAD_TOKEN} bytes=3500-`,
    ]);
    expect(fake.grants).toBe(1);
  });

  it('continues after bytes the sink already holds (resumeFrom), and takes a new grant when the link expired', async () => {
    const { fake, data } = fakeWithFile();
    fake.faults = [{ cutAfter: 1000 }];
    fake.grantStatus = { state: 'expired', failureCode: null };
    const parts: Uint8Array[] = [];
    const result = await client(fake).transfers.download({
      versionId: 'v-1',
      sink: (c) => void parts.push(c),
      resumeFrom: bytesSource(data.subarray(0, 1500))(0),
      retryDelayMs: 0,
    });
    expect(Buffer.concat([data.subarray(0, 1500), ...parts]).equals(data)).toBe(true);
    expect(result.fetchedBytes).toBe(data.length - 1500);
    expect(fake.grants).toBe(2);
  });

  it('maps a 500 INTEGRITY_ERROR before the first byte, without retrying', async () => {
    const { fake } = fakeWithFile();
    fake.faults = [
      { response: httpError(500, 'INTEGRITY_ERROR', 'the stored model failed to authenticate') },
    ];
    const error = await failure(client(fake).transfers.download({ versionId: 'v-1', sink: () => undefined }));
    expect(error.code).toBe('INTEGRITY_ERROR');
    expect(fake.log.filter((l) => l.startsWith('GET'))).toHaveLength(1);
  });

  it('maps a mid-stream cut that the grant status reports as failed to INTEGRITY_ERROR', async () => {
    const { fake } = fakeWithFile();
    fake.faults = [{ cutAfter: 1400 }];
    fake.grantStatus = { state: 'failed', failureCode: 'INTEGRITY_ERROR' };
    const error = await failure(
      client(fake).transfers.download({ versionId: 'v-1', sink: () => undefined, retryDelayMs: 0 }),
    );
    expect(error.code).toBe('INTEGRITY_ERROR');
    expect(error.message).toMatch(/integrity check/);
    expect(fake.log.at(-1)).toBe(`GET /v1/downloads/${DOWNLOAD_TOKEN}/status`);
  });

  it('rejects bytes whose SHA-256 does not match and aborts a WritableStream sink', async () => {
    const { fake } = fakeWithFile();
    fake.fileSha = 'ab'.repeat(32);
    let aborted: unknown;
    let closed = false;
    const sink = new WritableStream<Uint8Array>({
      abort: (reason) => void (aborted = reason),
      close: () => void (closed = true),
    });
    const error = await failure(client(fake).transfers.download({ versionId: 'v-1', sink }));
    expect(error.code).toBe('INTEGRITY_ERROR');
    expect(error.message).toMatch(/SHA-256 mismatch/);
    expect(aborted).toBe(error);
    expect(closed).toBe(false);
  });

  it('never puts the download path into an error message', async () => {
    const { fake } = fakeWithFile();
    fake.faults = [{ response: httpError(403, 'FORBIDDEN', `link ${DOWNLOAD_TOKEN} refused`) }];
    const error = await failure(client(fake).transfers.download({ versionId: 'v-1', sink: () => undefined }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).not.toContain(DOWNLOAD_TOKEN);
  });
});
