import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import PgBoss from 'pg-boss';
import { Db } from '@arca/api-db';
import { isUuid } from '@arca/contracts';
import { JOBS_OPTIONS, type JobsOptions } from './jobs.options.js';

/** Every job payload names its tenant: handlers do their database work in that tenant's transaction. */
export interface JobData {
  tenantId: string;
  [key: string]: unknown;
}

export interface Job<T extends JobData = JobData> {
  id: string;
  name: string;
  data: T;
  /** 0 on the first run, then 1, 2, … on pg-boss retries. */
  retryCount: number;
  retryLimit: number;
}

export interface SendOptions {
  /** Job id (a UUID); generated when absent. */
  id?: string;
  /** Not before this time (or this many seconds from now). */
  startAfter?: Date | number;
  /** pg-boss retries after a failing handler: `retryLimit` more runs, `retryDelay` seconds apart (doubling
   * with jitter when `retryBackoff`). Queue defaults (set in the migration that created it) apply otherwise. */
  retryLimit?: number;
  retryDelay?: number;
  retryBackoff?: boolean;
  /** A run that takes longer fails (and is retried). */
  expireInSeconds?: number;
  singletonKey?: string;
}

export interface WorkOptions {
  /** Overrides the configured idle polling interval for this queue (≥ 500 ms). */
  pollIntervalMs?: number;
}

export type JobHandler<T extends JobData> = (job: Job<T>) => Promise<void>;

interface Registration {
  name: string;
  options: WorkOptions;
  handler: JobHandler<JobData>;
}

export class JobQueueError extends Error {
  override readonly name = 'JobQueueError';
}

/**
 * A Postgres-backed job queue (pg-boss 10, ADR 0007) shared by every API replica.
 *
 * `send` called inside an open `Db` transaction enqueues on that transaction's connection: the job exists iff the
 * transaction commits. Workers fetch with `FOR UPDATE SKIP LOCKED`, so each job runs on one replica at a time;
 * a failing handler is retried per the job's retry options. Handlers open their own
 * `db.tenantTransaction(job.data.tenantId, …)` — jobs never bypass row-level security.
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly boss: PgBoss;
  private readonly registrations: Registration[] = [];
  private started = false;
  private stopped = false;
  private readonly errorListeners = new Set<(error: Error) => void>();

  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(JOBS_OPTIONS) private readonly options: JobsOptions,
  ) {
    this.boss = new PgBoss({
      connectionString: options.connectionString,
      schema: options.schema ?? 'pgboss',
      max: options.poolMax ?? 4,
      application_name: 'arca-jobs',
      // The schema belongs to a migration (the app role cannot create or alter it); no cron timekeeper (it would
      // create a queue at runtime); maintenance (expire/archive/drop) is gated to one replica per interval.
      migrate: false,
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 120,
      pollingIntervalSeconds: options.pollIntervalMs / 1000,
    });
    this.boss.on('error', (error: Error) => {
      for (const listener of this.errorListeners) listener(error);
    });
  }

  /** Whether this process consumes jobs (ARCA_JOBS_ENABLED). */
  get workersEnabled(): boolean {
    return this.options.workers;
  }

  /** Called with pg-boss errors (worker fetch failures, maintenance errors); handler errors become retries. */
  onError(listener: (error: Error) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /**
   * Enqueues a job. Inside an open `Db` transaction (which must belong to `data.tenantId`) the INSERT runs on that
   * transaction and commits or rolls back with it; outside any transaction it commits at once. Returns the job id
   * (null only when a singletonKey suppressed it).
   */
  async send<T extends JobData>(name: string, data: T, options: SendOptions = {}): Promise<string | null> {
    if (!isUuid(data.tenantId)) throw new JobQueueError('job data must carry a tenantId (UUID)');
    const { startAfter, ...rest } = options;
    const sendOptions: PgBoss.SendOptions = { ...rest };
    if (startAfter !== undefined) sendOptions.startAfter = startAfter;
    if (this.db.inTransaction) {
      const tenantId = data.tenantId;
      sendOptions.db = {
        executeSql: async (text: string, values: unknown[]) => ({
          rows: await this.db.sql(tenantId, { text, values }),
        }),
      };
    } else {
      await this.ensureStarted();
    }
    return this.boss.send(name, data, sendOptions);
  }

  /**
   * Registers the handler of queue `name` (one job at a time per replica). The queue itself must exist: queues are
   * created by migrations (`SELECT pgboss.create_queue(…)`). Register in `onModuleInit`; workers start on
   * application bootstrap (when enabled) and drain on shutdown.
   */
  async work<T extends JobData>(name: string, options: WorkOptions, handler: JobHandler<T>): Promise<void> {
    const registration = { name, options, handler: handler as JobHandler<JobData> };
    this.registrations.push(registration);
    if (this.started && this.options.workers) await this.startWorker(registration);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Connects pg-boss (checking that the migration installed its schema) and starts the registered workers. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.ensureStarted();
    if (!this.options.workers) return;
    for (const registration of this.registrations) await this.startWorker(registration);
  }

  /** Stops polling, waits (up to `timeoutMs`) for running handlers, then closes pg-boss's pool. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.started || this.stopped) return;
    this.stopped = true;
    await this.boss.stop({ graceful: true, timeout: timeoutMs, wait: true });
  }

  /** Queue state counts (tests and health checks). */
  async queueSize(name: string): Promise<number> {
    await this.ensureStarted();
    return this.boss.getQueueSize(name);
  }

  private startPromise?: Promise<void>;

  private ensureStarted(): Promise<void> {
    if (this.stopped) return Promise.reject(new JobQueueError('the job queue has stopped'));
    this.startPromise ??= this.boss.start().then(() => {
      this.started = true;
    });
    return this.startPromise;
  }

  private async startWorker(r: Registration): Promise<void> {
    const queue = await this.boss.getQueue(r.name);
    if (!queue) {
      throw new JobQueueError(
        `job queue "${r.name}" does not exist: create it in a migration (SELECT pgboss.create_queue(…))`,
      );
    }
    const pollingIntervalSeconds = (r.options.pollIntervalMs ?? this.options.pollIntervalMs) / 1000;
    await this.boss.work<JobData>(
      r.name,
      { includeMetadata: true, batchSize: 1, pollingIntervalSeconds },
      async ([job]) => {
        if (!job) return;
        await r.handler({
          id: job.id,
          name: job.name,
          data: job.data,
          retryCount: job.retryCount,
          retryLimit: job.retryLimit,
        });
      },
    );
  }
}
