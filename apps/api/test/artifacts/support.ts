import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { BlobStore } from '@arca/api-artifacts';
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

/** A valid ONNX model of exactly `size` bytes: an MLP padded with a ModelProto doc_string (field 6). */
export function onnxOfSize(base: Uint8Array, size: number): Buffer {
  for (let lengthBytes = 1; lengthBytes <= 5; lengthBytes++) {
    const n = size - base.length - 1 - lengthBytes;
    if (n >= 0 && varintLength(n) === lengthBytes) {
      return Buffer.concat([Buffer.from(base), Buffer.from([0x32]), varint(n), Buffer.alloc(n, 0x61)]);
    }
  }
  throw new RangeError(`cannot pad a ${base.length}-byte model to ${size} bytes`);
}

function varintLength(n: number): number {
  return varint(n).length;
}

function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
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
