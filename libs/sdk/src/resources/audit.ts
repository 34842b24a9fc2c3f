import {
  AuditAlertsDocument,
  AuditCheckpointsDocument,
  AuditEventsDocument,
  ConsistencyProofDocument,
  InclusionProofDocument,
  LatestCheckpointDocument,
} from '../documents.js';
import { paginate, toPage } from '../pagination.js';
import type { Transport } from '../transport.js';
import type {
  AuditAlert,
  AuditCheckpoint,
  AuditEvent,
  AuditExportLine,
  Connection,
  ConsistencyProof,
  InclusionProof,
  ListAuditEventsOptions,
  Page,
  PageOptions,
} from '../types.js';

/** The tenant audit log: events, signed checkpoints, proofs, alerts and the JSON Lines export. */
export class AuditApi {
  constructor(private readonly transport: Transport) {}

  async events(options: ListAuditEventsOptions = {}): Promise<Page<AuditEvent>> {
    const { first, after, filter, newestFirst } = options;
    const data = await this.transport.graphql<{ auditEvents: Connection<AuditEvent> }>(AuditEventsDocument, {
      first,
      after,
      filter,
      newestFirst,
    });
    return toPage(data.auditEvents);
  }

  eventsAll(options: ListAuditEventsOptions = {}): AsyncGenerator<Page<AuditEvent>, void, undefined> {
    return paginate(options, (o) => this.events(o));
  }

  /** Throws ArcaError NOT_FOUND before the tenant's first checkpoint. */
  async latestCheckpoint(): Promise<AuditCheckpoint> {
    return (await this.transport.graphql<{ latestCheckpoint: AuditCheckpoint }>(LatestCheckpointDocument))
      .latestCheckpoint;
  }

  /** Signed checkpoints larger than `afterSize`, smallest first (at most `first`, ≤ 1000). */
  async checkpoints(afterSize = 0, first = 1000): Promise<AuditCheckpoint[]> {
    return (
      await this.transport.graphql<{ auditCheckpoints: AuditCheckpoint[] }>(AuditCheckpointsDocument, {
        afterSize,
        first,
      })
    ).auditCheckpoints;
  }

  async inclusionProof(seq: number, treeSize: number): Promise<InclusionProof> {
    return (
      await this.transport.graphql<{ inclusionProof: InclusionProof }>(InclusionProofDocument, {
        seq,
        treeSize,
      })
    ).inclusionProof;
  }

  async consistencyProof(fromSize: number, toSize: number): Promise<ConsistencyProof> {
    return (
      await this.transport.graphql<{ consistencyProof: ConsistencyProof }>(ConsistencyProofDocument, {
        fromSize,
        toSize,
      })
    ).consistencyProof;
  }

  async alerts(options: PageOptions = {}): Promise<Page<AuditAlert>> {
    const data = await this.transport.graphql<{ auditAlerts: Connection<AuditAlert> }>(AuditAlertsDocument, {
      first: options.first,
      after: options.after,
    });
    return toPage(data.auditAlerts);
  }

  /**
   * Streams `GET /v1/audit/export`: first the latest checkpoint, then the entries it covers in order (from
   * `from`, before `to`), with inclusion proofs unless `proofs` is false.
   */
  async *export(
    options: { from?: number; to?: number; proofs?: boolean } = {},
  ): AsyncGenerator<AuditExportLine> {
    const query = new URLSearchParams();
    if (options.from !== undefined) query.set('from', String(options.from));
    if (options.to !== undefined) query.set('to', String(options.to));
    if (options.proofs !== undefined) query.set('proofs', String(options.proofs));
    const qs = query.toString();
    for await (const line of this.transport.getLines(`v1/audit/export${qs ? `?${qs}` : ''}`)) {
      yield line as AuditExportLine;
    }
  }
}
