/** Nest injection token for `JobsOptions` (apps/api builds them from its validated config). */
export const JOBS_OPTIONS = Symbol('JOBS_OPTIONS');

export interface JobsOptions {
  /** Connection string of the application role (arca_app): jobs never run as the owner. */
  connectionString: string;
  /** Run workers in this process. Off: `send` still enqueues, handlers are registered but never consume. */
  workers: boolean;
  /** How often an idle worker polls its queue (pg-boss minimum: 500 ms). */
  pollIntervalMs: number;
  /** Connections of pg-boss's own pool (polling, completion, maintenance). Default 4. */
  poolMax?: number;
  /** pg-boss schema, created by migration 20261127060000_jobs_and_webhooks. Default `pgboss`. */
  schema?: string;
  /** Seconds between pg-boss maintenance runs (expire, archive, drop); one replica runs each. Default 120. */
  maintenanceIntervalSeconds?: number;
}
