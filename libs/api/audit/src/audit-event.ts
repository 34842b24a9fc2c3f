import { createHash, randomBytes } from 'node:crypto';
import { canonicalBytes } from '@arca/transparency';
import type { RequestInfo } from '@arca/api-core';

// The audit record (reference/audit.md §5.3, trimmed to what Arca knows). Its RFC 8785 canonical JSON bytes are
// what is stored and hashed; the database derives its indexed columns from them (arca_audit_outbox_check).

export type AuditOutcome = 'success' | 'denied' | 'error';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Who acted. `user` covers sessions and API keys (the key id says which); `system` is the server itself. */
export interface AuditActor {
  readonly tenantId: string;
  readonly kind: 'user' | 'system' | 'anonymous';
  readonly userId?: string;
  readonly apiKeyId?: string;
  readonly sessionId?: string;
  readonly request?: RequestInfo;
}

export interface AuditEventInput {
  /** Dotted lower-case name, e.g. `model.create`, `auth.login`, `authz.denied`. */
  action: string;
  outcome?: AuditOutcome;
  resource?: { type: string; id?: string; name?: string };
  reason?: string;
  details?: Record<string, JsonValue>;
  /** Personal data (emails, names): kept in audit_pii and committed to by a salted hash, so it can be erased. */
  pii?: Record<string, string>;
}

export interface BuiltAuditEvent {
  eventId: string;
  entry: Uint8Array;
  pii?: { salt: Uint8Array; data: Uint8Array };
}

/** The uint16 length prefix of C2SP entry bundles caps an entry at 65 535 bytes. */
export const MAX_ENTRY_BYTES = 65_535;
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export class AuditEventError extends Error {
  override readonly name = 'AuditEventError';
}

export function buildAuditEvent(
  actor: AuditActor,
  input: AuditEventInput,
  now = new Date(),
): BuiltAuditEvent {
  if (!ACTION.test(input.action) || input.action.length > 100) {
    throw new AuditEventError(`invalid audit action "${input.action}"`);
  }
  const eventId = uuidv7(now.getTime());
  let pii: BuiltAuditEvent['pii'];
  let commitment: string | undefined;
  if (input.pii && Object.keys(input.pii).length > 0) {
    const salt = randomBytes(32);
    const data = canonicalBytes(input.pii);
    commitment = createHash('sha256').update(salt).update(data).digest('hex');
    pii = { salt, data };
  }
  const record: Record<string, JsonValue> = {
    v: 1,
    id: eventId,
    tenant: actor.tenantId,
    time: now.toISOString(),
    actor: compact({
      kind: actor.kind,
      id: actor.userId,
      apiKeyId: actor.apiKeyId,
      sessionId: actor.sessionId,
    }),
    action: input.action,
    outcome: input.outcome ?? 'success',
  };
  if (input.resource) record.resource = compact({ ...input.resource });
  if (input.reason) record.reason = input.reason.slice(0, 500);
  if (actor.request) {
    record.source = compact({
      ip: actor.request.ip,
      userAgent: actor.request.userAgent?.slice(0, 512),
      requestId: actor.request.requestId,
    });
  }
  if (input.details && Object.keys(input.details).length > 0) record.details = input.details;
  if (commitment) record.pii = commitment;
  const entry = canonicalBytes(record);
  if (entry.length > MAX_ENTRY_BYTES) {
    throw new AuditEventError(
      `audit event ${input.action} is ${entry.length} bytes; the limit is ${MAX_ENTRY_BYTES}`,
    );
  }
  return { eventId, entry, pii };
}

function compact(o: Record<string, JsonValue | undefined>): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Record<
    string,
    JsonValue
  >;
}

/** RFC 9562 UUIDv7: 48-bit Unix milliseconds, then random bits; sorts by creation time. */
export function uuidv7(ms: number): string {
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
