import type { JobData } from '@arca/api-jobs';

/** Queue names (created by prisma/migrations/20261127080000_artifact_jobs). */
export const VALIDATE_QUEUE = 'artifact-validate';
export const REWRAP_QUEUE = 'tenant-key-rewrap';
export const EXPIRE_QUEUE = 'upload-expire';

export interface ValidateJob extends JobData {
  versionId: string;
}

export type RewrapJob = JobData;

export interface ExpireJob extends JobData {
  uploadId: string;
}
