import type {
  DownloadGrantModel as GrantRow,
  ModelVersionModel as VersionRow,
  UploadModel as UploadRow,
} from '@arca/api-db';
import { plaintextSegmentSize } from '@arca/crypto';
import type { OnnxSummary, OnnxValueInfo } from '@arca/onnx';
import { BLOB_PARAMS } from '../blobs/blob-layout.js';
import type {
  ModelCardModel,
  ModelVersionModel,
  TensorInfoModel,
  VersionStateEnum,
} from './model-version.model.js';
import type { DownloadGrantModel, UploadModel } from './transfer.models.js';

/** What `format` holds: the validator's summary without its parameter count (a column of its own). */
type StoredFormat = Partial<Omit<OnnxSummary, 'parameterCount'>>;

const tensors = (list: OnnxValueInfo[] | undefined): TensorInfoModel[] =>
  (list ?? []).map((t) => ({
    name: t.name,
    elemType: t.elementType,
    shape: (t.shape ?? []).map((d) => (d === null ? '?' : String(d))),
  }));

export function toVersion(row: VersionRow): ModelVersionModel {
  const format = (row.format ?? {}) as StoredFormat;
  const card = (row.card ?? {}) as Record<string, unknown>;
  const producer = [format.producerName, format.producerVersion].filter(Boolean).join(' ');
  return {
    id: row.id,
    modelId: row.modelId,
    number: row.number,
    state: row.state as VersionStateEnum,
    failureCode: row.failureCode,
    failureReason: row.failureReason,
    sizeBytes: Number(row.sizeBytes),
    sha256: row.sha256 ? Buffer.from(row.sha256).toString('hex') : null,
    irVersion: format.irVersion ?? null,
    opsetImports: format.opsetImports ?? [],
    inputs: tensors(format.inputs),
    outputs: tensors(format.outputs),
    parameterCount: row.parameterCount === null ? null : Number(row.parameterCount),
    producer: producer || null,
    parentVersionId: row.parentVersionId,
    description: row.description,
    card: {
      intendedUse: typeof card.intendedUse === 'string' ? card.intendedUse : undefined,
      limitations: typeof card.limitations === 'string' ? card.limitations : undefined,
      metrics: card.metrics === undefined ? undefined : JSON.stringify(card.metrics),
    } satisfies ModelCardModel,
    tags: row.tags,
    createdById: row.createdById,
    createdAt: row.createdAt,
    readyAt: row.readyAt,
    archivedAt: row.archivedAt,
  };
}

export function toUpload(row: UploadRow, token: string | null): UploadModel {
  return {
    id: row.id,
    modelId: row.modelId,
    url: `/v1/uploads/${row.id}`,
    token,
    state: row.state,
    declaredSize: Number(row.declaredSize),
    receivedSize: Number(row.receivedSize),
    segmentSize: plaintextSegmentSize(1, BLOB_PARAMS),
    expiresAt: row.expiresAt,
  };
}

export function toGrant(row: GrantRow, token: string, version: VersionRow): DownloadGrantModel {
  return {
    id: row.id,
    versionId: row.versionId,
    url: `/v1/downloads/${token}`,
    expiresAt: row.expiresAt,
    sizeBytes: Number(version.sizeBytes),
    sha256: Buffer.from(version.sha256!).toString('hex'),
  };
}
