import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { JobQueue } from '@arca/api-jobs';
import { ValidationService } from '../versions/validation.service.js';
import { TenantKeysService } from '../keys/tenant-keys.service.js';
import { UploadsService } from '../uploads/uploads.service.js';
import {
  EXPIRE_QUEUE,
  REWRAP_QUEUE,
  VALIDATE_QUEUE,
  type ExpireJob,
  type RewrapJob,
  type ValidateJob,
} from './queues.js';

/**
 * Workers for the artifacts jobs. Both are idempotent, so a job that runs after the request already did the work
 * (the usual case: jobs are the crash-safe fallback) finds nothing to do.
 */
@Injectable()
export class ArtifactJobs implements OnModuleInit {
  constructor(
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(ValidationService) private readonly validation: ValidationService,
    @Inject(TenantKeysService) private readonly keys: TenantKeysService,
    @Inject(UploadsService) private readonly uploads: UploadsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.work<ValidateJob>(VALIDATE_QUEUE, {}, async (job) => {
      await this.validation.validate(job.data.tenantId, job.data.versionId);
    });
    await this.jobs.work<RewrapJob>(REWRAP_QUEUE, {}, async (job) => {
      await this.keys.rewrapAll(job.data.tenantId);
    });
    await this.jobs.work<ExpireJob>(EXPIRE_QUEUE, {}, async (job) => {
      await this.uploads.expire(job.data.tenantId, job.data.uploadId);
    });
  }
}
