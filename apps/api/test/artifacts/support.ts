import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { BlobStore } from '@arca/api-artifacts';
import { paddedModel } from '@arca/onnx/testing';
import type { TestApp } from '../support/harness.js';

export const MiB = 1024 * 1024;

export interface StagedUpload {
  id: string;
  url: string;
  token: string;
  segmentSize: number;
}

export async function createUpload(
  t: TestApp,
  token: string,
  modelId: string,
  sizeBytes: number,
  extra: Record<string, unknown> = {},
): Promise<StagedUpload> {
  const data = await t.ok<{ createUpload: StagedUpload }>(
    'mutation($i: CreateUploadInput!) { createUpload(input: $i) { id url token segmentSize } }',
    { i: { modelId, sizeBytes, ...extra } },
    { token },
  );
  return data.createUpload;
}

export async function put(
  t: TestApp,
  upload: StagedUpload,
  body: Buffer,
  start?: number,
  token = upload.token,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    authorization: `Bearer ${token}`,
  };
  if (start !== undefined) headers['content-range'] = `bytes ${start}-*/*`;
  const res = await t.http('PUT', upload.url, body, headers);
  return { status: res.status, json: JSON.parse(res.body) as Record<string, unknown> };
}

/** The decrypted bytes of a stored blob, read back through the server's own reader. */
export async function readBlob(t: TestApp, tenantId: string, blobId: string): Promise<Buffer> {
  const blob = await t.app.get(BlobStore).open(tenantId, blobId);
  const parts: Buffer[] = [];
  for await (const segment of blob.segments()) parts.push(segment);
  return Buffer.concat(parts);
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Random bytes with a recognisable marker every 4 KiB, to prove no plaintext reaches the database. */
export function markedBytes(size: number, marker: Buffer): Buffer {
  const out = randomBytes(size);
  for (let at = 0; at + marker.length <= size; at += 4096) marker.copy(out, at);
  return out;
}

export function expectSameBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(sha256(actual)).toBe(sha256(expected));
}

/** A valid ONNX model of exactly `size` bytes (an MLP padded with a doc_string). */
export const onnxOfSize = (base: Uint8Array, size: number): Buffer => Buffer.from(paddedModel(base, size));

/** Makes the app listen on a free local port (for tests that need real sockets); returns its base URL. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.getHttpServer().address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

export interface PushedVersion {
  id: string;
  number: number;
  state: string;
  sha256: string | null;
  failureCode: string | null;
  failureReason: string | null;
}

/** createUpload → PUT → finalizeUpload, as one principal. */
export async function push(
  t: TestApp,
  token: string,
  modelId: string,
  bytes: Buffer,
): Promise<PushedVersion> {
  const upload = await createUpload(t, token, modelId, bytes.length);
  const res = await put(t, upload, bytes);
  if (res.status !== 200) throw new Error(`PUT failed: ${JSON.stringify(res.json)}`);
  const data = await t.ok<{ finalizeUpload: PushedVersion }>(
    'mutation($u: ID!) { finalizeUpload(uploadId: $u) { id number state sha256 failureCode failureReason } }',
    { u: upload.id },
    { token },
  );
  return data.finalizeUpload;
}

export async function downloadUrl(t: TestApp, token: string, versionId: string): Promise<string> {
  const data = await t.ok<{ createDownload: { url: string } }>(
    'mutation($v: ID!) { createDownload(versionId: $v) { url } }',
    { v: versionId },
    { token },
  );
  return data.createDownload.url;
}
