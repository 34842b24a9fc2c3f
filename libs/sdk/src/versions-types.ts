// Result and input types of model versions, staged transfers, aliases and promotions, mirroring the GraphQL
// schema. DateTime values are ISO-8601 strings.
import type { DateTime, PageOptions } from './types.js';

/** VALIDATING: stored, being checked; READY: valid and downloadable; FAILED: see failureCode / failureReason. */
export type VersionState = 'VALIDATING' | 'READY' | 'FAILED';

export interface OpsetImport {
  /** Operator domain ('' is the default ai.onnx domain). */
  domain: string;
  version: number;
}
export interface TensorInfo {
  name: string;
  /** ONNX element type, e.g. FLOAT. */
  elemType: string;
  /** Dimensions: a number, a symbolic name, or "?" when unknown. */
  shape: string[];
}
export interface ModelCard {
  intendedUse: string | null;
  limitations: string | null;
  /** Metrics as a JSON object string. */
  metrics: string | null;
}
/** An immutable, encrypted version of a model. */
export interface ModelVersion {
  id: string;
  modelId: string;
  number: number;
  state: VersionState;
  failureCode: string | null;
  failureReason: string | null;
  sizeBytes: number;
  /** SHA-256 of the model bytes (hex), once ready. */
  sha256: string | null;
  irVersion: number | null;
  opsetImports: OpsetImport[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  parameterCount: number | null;
  producer: string | null;
  /** Lineage: the version this one was derived from. */
  parentVersionId: string | null;
  description: string;
  card: ModelCard;
  tags: string[];
  createdById: string;
  createdAt: DateTime;
  readyAt: DateTime | null;
  archivedAt: DateTime | null;
}

/** A staged upload: PUT the bytes to `url` with `token`, then finalize. */
export interface Upload {
  id: string;
  modelId: string;
  /** Path of the upload endpoint, relative to the server URL. */
  url: string;
  /** Bearer token for the PUT requests; only in the createUpload answer. A secret: never log it. */
  token: string | null;
  state: string;
  declaredSize: number;
  receivedSize: number;
  /** Plaintext bytes per segment after the first (resume points are segment ends). */
  segmentSize: number;
  expiresAt: DateTime;
}

/** What `PUT` and `GET /v1/uploads/:id` answer: where the stored bytes end. */
export interface UploadProgress {
  uploadId: string;
  receivedSize: number;
  declaredSize: number;
  complete: boolean;
}

/** A one-time, short-lived download link. `url` is the secret itself: never print or log it. */
export interface DownloadGrant {
  id: string;
  versionId: string;
  /** Path of the download, relative to the server URL. */
  url: string;
  expiresAt: DateTime;
  sizeBytes: number;
  /** SHA-256 (hex) the downloaded bytes must have. */
  sha256: string;
}

export interface CreateUploadInput {
  modelId: string;
  sizeBytes: number;
  parentVersionId?: string;
}
export interface FinalizeUploadInput {
  description?: string;
  tags?: readonly string[];
}
export interface ListVersionsOptions extends PageOptions {
  state?: VersionState;
  tags?: readonly string[];
  query?: string;
  includeArchived?: boolean;
}

// aliases and promotions

export interface ModelAlias {
  name: string;
  modelId: string;
  versionId: string;
  versionNumber: number;
  /** Moving a protected alias needs an approved promotion request. */
  protected: boolean;
  updatedAt: DateTime;
  updatedById: string | null;
}
export type PromotionState = 'PENDING' | 'APPROVED' | 'REJECTED' | (string & {});
export interface PromotionRequest {
  id: string;
  modelId: string;
  alias: string;
  versionId: string;
  versionNumber: number;
  state: PromotionState;
  reason: string | null;
  requestedById: string;
  decidedById: string | null;
  decisionNote: string | null;
  createdAt: DateTime;
  decidedAt: DateTime | null;
}
export interface RequestPromotionInput {
  modelId: string;
  alias: string;
  versionId: string;
  reason?: string;
}
export interface ListPromotionsOptions extends PageOptions {
  modelId?: string;
  state?: PromotionState;
}
