import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { Db, DB_OPTIONS, type PrismaConnectionOptions } from '@arca/api-db';
import { ARCA_CONFIG, LOGGER, type ArcaConfig, type Logger } from '@arca/api-core';
import { formatCheckpoint, signNote } from '@arca/transparency';
import { AuditRepository } from './audit.repository.js';
import { AlertEngine, type AlertOutcome } from './alerts/alert-engine.service.js';
import { AuditLog } from './audit-log.service.js';
import { LogKeys } from './log-keys.service.js';

const BATCH = 1024;
/** Poll interval while events keep coming; an idle log backs off to IDLE_POLL_MS (the outbox is not watched). */
const POLL_MS = 50;
const IDLE_POLL_MS = 400;
const LEADER_RETRY_MS = 1_000;
/** Session-level advisory lock held by the replica that runs the sequencer (pg_advisory_lock key). */
const LEADER_LOCK = 72707371;

/**
 * Moves the outbox into the per-tenant Merkle logs and signs checkpoints. Every replica runs this service; the one
 * holding the leader lock (on a dedicated connection, so a dead replica's lock goes with its connection) polls
 * the outbox every 50 ms while events arrive (backing off to 400 ms when idle) and signs a checkpoint at most every checkpoint interval for each tenant whose log grew.
 */
@Injectable()
export class AuditSequencer implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private leaderClient: pg.Client | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastCheckpointAt = 0;

  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(AuditRepository) private readonly repo: AuditRepository,
    @Inject(LogKeys) private readonly keys: LogKeys,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(AlertEngine) private readonly alerts: AlertEngine,
    @Inject(DB_OPTIONS) private readonly dbOptions: PrismaConnectionOptions,
    @Inject(ARCA_CONFIG) private readonly config: ArcaConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get isLeader(): boolean {
    return this.leaderClient !== null;
  }

  onApplicationBootstrap(): void {
    if (this.config.audit.sequencer) this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /**
   * Sequences everything queued so far and signs checkpoints for every tenant whose log grew. Safe to call from
   * any replica at any time (the database serialises sequencers; checkpoint sizes only grow).
   */
  async flush(): Promise<void> {
    await this.audit.settled();
    await this.sequenceAll();
    await this.checkpointPending();
  }

  /** Sequences until the outbox is empty; returns the number of entries appended. */
  async sequenceAll(): Promise<number> {
    return (await this.sequenceUntil(() => false)).appended;
  }

  /**
   * Sequences batches until the outbox is drained (`backlog: false`) or `stop()` says so after a full batch. The
   * leader stops when a checkpoint is due: under a sustained backlog the log keeps being checkpointed every
   * interval instead of only once the writers pause.
   */
  private async sequenceUntil(stop: () => boolean): Promise<{ appended: number; backlog: boolean }> {
    let appended = 0;
    for (;;) {
      const n = await this.sequenceBatch();
      appended += n;
      if (n < BATCH) return { appended, backlog: false };
      if (stop()) return { appended, backlog: true };
    }
  }

  /**
   * One batch and its alerts in one transaction: once a batch is visible, so are its alerts, and the database lock
   * that serialises sequencers covers both. A failing rule is rolled back to a savepoint and logged; it never
   * holds the log back.
   */
  private async sequenceBatch(): Promise<number> {
    let alerts: AlertOutcome | undefined;
    const appended = await this.db.scopedTransaction({}, async () => {
      const batch = await this.repo.sequence(BATCH);
      if (batch.length > 0) {
        await this.repo.savepointAlerts();
        try {
          alerts = await this.alerts.evaluate(batch);
        } catch (error) {
          await this.repo.rollbackToAlerts();
          this.logger.error({ err: error }, 'audit alert evaluation failed');
        }
      }
      return batch.length;
    });
    alerts?.committed();
    return appended;
  }

  /** Signs and stores a checkpoint for each tenant whose log has grown since its last one. */
  async checkpointPending(): Promise<number> {
    let signed = 0;
    for (const p of await this.repo.pendingCheckpoints(1000)) {
      try {
        const note = await this.db.tenantTransaction(p.tenantId, async () => {
          const signer = await this.keys.signer(p.tenantId, p.slug);
          const body = formatCheckpoint({
            origin: signer.origin,
            size: Number(p.size),
            rootHash: p.root,
            extensions: [],
          });
          return signNote(body, signer.origin, signer.seed);
        });
        if (await this.repo.storeCheckpoint(p.tenantId, p.size, p.root, note)) signed++;
      } catch (error) {
        this.logger.error({ err: error, tenantId: p.tenantId }, 'audit checkpoint failed');
      }
    }
    return signed;
  }

  private async run(): Promise<void> {
    let poll = POLL_MS;
    while (!this.stopped) {
      try {
        if (!this.leaderClient) await this.tryLead();
        if (this.leaderClient) {
          const { appended, backlog } = await this.sequenceUntil(() => this.checkpointDue() || this.stopped);
          poll = appended > 0 ? POLL_MS : Math.min(poll * 2, IDLE_POLL_MS);
          if (this.checkpointDue()) {
            this.lastCheckpointAt = Date.now();
            await this.checkpointPending();
          }
          if (backlog) continue;
        }
      } catch (error) {
        if (!this.stopped) this.logger.error({ err: error }, 'audit sequencer iteration failed');
      }
      await this.sleep(this.leaderClient ? poll : LEADER_RETRY_MS);
    }
    await this.resign();
  }

  private checkpointDue(): boolean {
    return Date.now() - this.lastCheckpointAt >= this.config.audit.checkpointIntervalMs;
  }

  private async tryLead(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.dbOptions.connectionString,
      application_name: 'arca-audit-sequencer',
    });
    client.on('error', (err) => {
      this.logger.warn({ err }, 'audit sequencer lost its leader connection');
      if (this.leaderClient === client) this.leaderClient = null;
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        LEADER_LOCK,
      ]);
      if (rows[0]?.locked) {
        this.leaderClient = client;
        this.lastCheckpointAt = 0;
        this.logger.info({}, 'this replica now runs the audit sequencer');
        return;
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'audit sequencer could not contend for leadership');
    }
    await client.end().catch(() => undefined);
  }

  private async resign(): Promise<void> {
    const client = this.leaderClient;
    this.leaderClient = null;
    await client?.end().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
