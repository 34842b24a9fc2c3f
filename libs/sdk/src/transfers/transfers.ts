import type { Transport } from '../transport.js';
import type { VersionsApi } from '../versions.js';
import type { ModelVersion } from '../versions-types.js';
import { download, type DownloadOptions, type DownloadResult } from './download.js';
import { upload, type UploadOptions } from './upload.js';

/**
 * Model bytes in and out, over the plain-HTTP byte endpoints (never through GraphQL). Both directions survive
 * broken connections: an upload resumes where the server's committed segments end, a download resumes with a
 * Range request, each with bounded retries and exponential backoff. No request is given up on a timer while
 * bytes still move; the client's `timeoutMs` is the longest a transfer may stall.
 */
export class TransfersApi {
  constructor(
    private readonly transport: Transport,
    private readonly versions: VersionsApi,
  ) {}

  /**
   * Uploads a new version of `modelId`: createUpload, PUT the bytes from `source`, finalize. Resolves with the
   * READY version. Throws `VersionFailedError` (code VERSION_FAILED, with failureCode / failureReason) when the
   * server rejects the file, BAD_USER_INPUT when `source` yields more or fewer than `size` bytes, and rethrows
   * errors of `source` itself. An upload that cannot be completed is aborted on the server.
   */
  upload(options: UploadOptions): Promise<ModelVersion> {
    return upload(this.transport, this.versions, options);
  }

  /**
   * Downloads a READY version into `sink`, hashing as it goes, and resolves once the SHA-256 of everything the
   * sink received matches the version's. The sink sees the bytes before that check: treat them as unverified
   * until this resolves (write to a temporary file, then rename). Throws INTEGRITY_ERROR when the server refuses
   * or cuts off the download because the stored model failed to authenticate, or when the hash does not match;
   * rethrows errors of a callback sink itself. Each call takes a new one-time grant (audited as a download).
   */
  download(options: DownloadOptions): Promise<DownloadResult> {
    return download(this.transport, this.versions, options);
  }
}
