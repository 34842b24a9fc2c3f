export { AuditModule } from './audit.module.js';
export { AuditLog, actorOf } from './audit-log.service.js';
export { AuditSequencer } from './audit-sequencer.service.js';
export { buildAuditEvent, uuidv7, AuditEventError, MAX_ENTRY_BYTES } from './audit-event.js';
export type { AuditActor, AuditEventInput, AuditOutcome, JsonValue } from './audit-event.js';
export { ALERT_RULES, networkOf } from './alerts/alert-rules.js';
export { AuditRepository } from './audit.repository.js';
export { LogKeys } from './log-keys.service.js';
