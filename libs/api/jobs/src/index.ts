export { JobsModule } from './jobs.module.js';
export { JOBS_OPTIONS, type JobsOptions } from './jobs.options.js';
export {
  JobQueue,
  JobQueueError,
  type Job,
  type JobData,
  type JobHandler,
  type SendOptions,
  type WorkOptions,
} from './job-queue.service.js';
