import {
  AbortUploadDocument,
  CreateDownloadDocument,
  CreateUploadDocument,
  FinalizeUploadDocument,
  ModelVersionDocument,
  ModelVersionsDocument,
  ResolveModelVersionDocument,
} from './documents.js';
import { paginate, toPage } from './pagination.js';
import type { Transport } from './transport.js';
import type { Connection, Page } from './types.js';
import type {
  CreateUploadInput,
  DownloadGrant,
  FinalizeUploadInput,
  ListVersionsOptions,
  ModelVersion,
  Upload,
} from './versions-types.js';

/**
 * Model versions and the GraphQL half of staged transfers. To move bytes, use `client.transfers`, which drives
 * createUpload → PUT → finalize and createDownload → GET with resumption and hash checks.
 */
export class VersionsApi {
  constructor(private readonly transport: Transport) {}

  /** Throws ArcaError NOT_FOUND when the id does not exist (or is not visible). */
  async get(id: string): Promise<ModelVersion> {
    return (await this.transport.graphql<{ modelVersion: ModelVersion }>(ModelVersionDocument, { id }))
      .modelVersion;
  }

  /**
   * A version of `model` (its id or name) by reference: `latest` (default: the newest ready version), a number
   * (`3` or `v3`) or an alias name. Throws ArcaError NOT_FOUND when nothing matches.
   */
  async resolve(model: string, ref?: string): Promise<ModelVersion> {
    return (
      await this.transport.graphql<{ resolveModelVersion: ModelVersion }>(ResolveModelVersionDocument, {
        model,
        ref,
      })
    ).resolveModelVersion;
  }

  /** One page of a model's versions, newest first. */
  async list(modelId: string, options: ListVersionsOptions = {}): Promise<Page<ModelVersion>> {
    const { first, after, state, tags, query, includeArchived } = options;
    const data = await this.transport.graphql<{ modelVersions: Connection<ModelVersion> }>(
      ModelVersionsDocument,
      { modelId, first, after, state, tags, query, includeArchived },
    );
    return toPage(data.modelVersions);
  }

  /** Every page from `options.after` on. */
  listAll(
    modelId: string,
    options: ListVersionsOptions = {},
  ): AsyncGenerator<Page<ModelVersion>, void, undefined> {
    return paginate(options, (o) => this.list(modelId, o));
  }

  /** Starts a staged upload. The answer carries the upload token once: keep it secret. */
  async createUpload(input: CreateUploadInput): Promise<Upload> {
    return (await this.transport.graphql<{ createUpload: Upload }>(CreateUploadDocument, { input }))
      .createUpload;
  }

  /**
   * Turns a complete upload into the next version and validates it. The version comes back READY or FAILED
   * (this call does not throw for FAILED; `client.transfers.upload` does). Safe to retry: finalizing a finalized
   * upload returns the same version.
   */
  async finalize(uploadId: string, input: FinalizeUploadInput = {}): Promise<ModelVersion> {
    return (
      await this.transport.graphql<{ finalizeUpload: ModelVersion }>(FinalizeUploadDocument, {
        uploadId,
        input,
      })
    ).finalizeUpload;
  }

  /** Abandons an unfinished upload; the server deletes what it had stored. */
  async abortUpload(uploadId: string): Promise<boolean> {
    return (await this.transport.graphql<{ abortUpload: boolean }>(AbortUploadDocument, { uploadId }))
      .abortUpload;
  }

  /** A one-time, short-lived, audited download link for a READY version. Its `url` is a secret. */
  async createDownload(versionId: string): Promise<DownloadGrant> {
    return (
      await this.transport.graphql<{ createDownload: DownloadGrant }>(CreateDownloadDocument, { versionId })
    ).createDownload;
  }
}
