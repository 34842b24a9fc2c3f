import { describe, expect, it } from 'vitest';
import type { Logger } from '@arca/api-core';
import type { Db } from '@arca/api-db';
import type { AuditRepository, SequencedEvent } from '../audit.repository.js';
import { AlertEngine, type AlertOutcome } from './alert-engine.service.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const KEY = '22222222-2222-4222-8222-222222222222';
let seq = 0n;

function use(ip: string): SequencedEvent {
  return {
    tenantId: TENANT,
    seq: seq++,
    eventTime: new Date(),
    action: 'model.update',
    outcome: 'success',
    actorKind: 'user',
    actorId: '33333333-3333-4333-8333-333333333333',
    apiKeyId: KEY,
    resourceType: 'model',
    resourceId: 'm',
    ip,
  };
}

/** audit_key_networks as committed, the rows of the open batch, and what the engine asked for. */
function world() {
  const committed: { apiKeyId: string; network: string }[] = [];
  let pending: { apiKeyId: string; network: string }[] = [];
  const calls: string[] = [];
  const alerts: { rule: string; subject: string }[] = [];
  const repo = {
    keyNetworks: (_t: string, ids: string[]) => {
      calls.push('keyNetworks');
      return Promise.resolve(committed.filter((r) => ids.includes(r.apiKeyId)));
    },
    addKeyNetworks: (_t: string, rows: { apiKeyId: string; network: string }[]) => {
      if (rows.length > 0) calls.push('addKeyNetworks');
      pending.push(...rows);
      return Promise.resolve();
    },
    raiseAlert: (_t: string, a: { rule: string; subject: string }) => {
      alerts.push(a);
      return Promise.resolve(true);
    },
    countSince: () => Promise.resolve({ count: 0, firstSeq: null, lastSeq: null }),
  };
  const db = {
    rescope: () => {
      calls.push('rescope');
      return Promise.resolve();
    },
  };
  const logger = { warn: () => undefined } as unknown as Logger;
  const engine = new AlertEngine(db as unknown as Db, repo as unknown as AuditRepository, logger);
  let last: AlertOutcome | undefined;
  return {
    calls,
    alerts,
    evaluate: async (batch: SequencedEvent[]) => {
      last = await engine.evaluate(batch);
    },
    commit: () => {
      committed.push(...pending);
      pending = [];
      last?.committed();
    },
    rollback: () => {
      pending = []; // the outcome is dropped, as the sequencer drops it when its transaction fails
    },
  };
}

describe('AlertEngine: networks remembered only once committed', () => {
  it('a key’s first network is its baseline; once committed, its reuse costs the database nothing', async () => {
    const w = world();
    await w.evaluate([use('10.0.0.1'), use('10.0.0.2')]);
    expect(w.calls).toEqual(['rescope', 'keyNetworks', 'addKeyNetworks']);
    expect(w.alerts).toEqual([]);
    w.commit();
    w.calls.length = 0;
    await w.evaluate([use('10.0.0.7')]); // same /24
    expect(w.calls).toEqual([]);
  });

  it('a new network after the baseline raises the alert, also when the baseline was only remembered', async () => {
    const w = world();
    await w.evaluate([use('10.0.0.1')]);
    w.commit();
    await w.evaluate([use('192.168.5.5')]);
    expect(w.alerts).toEqual([
      expect.objectContaining({ rule: 'api_key_new_network', subject: `api_key:${KEY}:192.168.5.0/24` }),
    ]);
  });

  it('networks of a rolled-back batch are not remembered: the retried batch looks them up again', async () => {
    const w = world();
    await w.evaluate([use('10.0.0.1')]);
    w.rollback();
    w.calls.length = 0;
    await w.evaluate([use('10.0.0.1')]);
    expect(w.calls).toEqual(['rescope', 'keyNetworks', 'addKeyNetworks']);
    w.commit();
    // Had the rolled-back baseline been remembered, this would pass unseen; it is news against the committed one.
    await w.evaluate([use('172.16.0.1')]);
    expect(w.alerts.map((a) => a.subject)).toEqual([`api_key:${KEY}:172.16.0.0/24`]);
  });
});
