import { Global, Module, type DynamicModule } from '@nestjs/common';
import { JobQueue } from './job-queue.service.js';
import { JOBS_OPTIONS, type JobsOptions } from './jobs.options.js';

/** The Postgres job queue (ADR 0007), global: features inject `JobQueue`. */
@Global()
@Module({})
export class JobsModule {
  static forRoot(options: JobsOptions): DynamicModule {
    return {
      module: JobsModule,
      providers: [{ provide: JOBS_OPTIONS, useValue: options }, JobQueue],
      exports: [JobQueue],
    };
  }
}
