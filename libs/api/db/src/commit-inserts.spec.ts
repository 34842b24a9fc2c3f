import { describe, expect, it } from 'vitest';
import { CommitInsertError, commitInsert, commitMessage } from './commit-inserts.js';

const T1 = '11111111-1111-4111-8111-111111111111';
const T2 = '22222222-2222-4222-8222-222222222222';
const E = '33333333-3333-4333-8333-333333333333';

describe('commitInsert / commitMessage', () => {
  it('renders UUIDs and bytes as typed literals and nothing else', () => {
    const insert = commitInsert(T1, 'audit_outbox', {
      tenant_id: T1,
      event_id: E,
      entry: new Uint8Array([0x00, 0x27, 0x5c, 0xff]),
    });
    expect(insert.values).toEqual([`'${T1}'::uuid`, `'${E}'::uuid`, `'\\x00275cff'::bytea`]);
    expect(commitMessage([insert])).toBe(
      `SELECT set_config('app.tenant_id', '${T1}', true); ` +
        `INSERT INTO audit_outbox (tenant_id, event_id, entry) VALUES ('${T1}'::uuid, '${E}'::uuid, '\\x00275cff'::bytea); COMMIT`,
    );
  });

  it('encodes only the bytes of a view, not its whole buffer', () => {
    const view = new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 3);
    expect(commitInsert(T1, 't', { b: view }).values).toEqual([`'\\x0203'::bytea`]);
  });

  it('sets the tenant once per run of rows of the same tenant; no rows is a bare COMMIT', () => {
    const a = commitInsert(T1, 't', { id: E });
    const b = commitInsert(T2, 't', { id: E });
    const message = commitMessage([a, a, b, a]);
    expect(message.match(/set_config/g)).toHaveLength(3);
    expect(message.endsWith('; COMMIT')).toBe(true);
    expect(commitMessage([])).toBe('COMMIT');
  });

  it('refuses anything that could leave its literal or identifier', () => {
    const bad: [string, string, Record<string, unknown>][] = [
      ['not-a-uuid', 't', { id: E }],
      [T1, 't; DROP TABLE x', { id: E }],
      [T1, 'T', { id: E }],
      [T1, 't', {}],
      [T1, 't', { 'id"': E }],
      [T1, 't', { id: `${E}'; --` }],
      [T1, 't', { id: 'hello' }],
      [T1, 't', { id: 42 }],
      [T1, 't', { id: null }],
    ];
    for (const [tenant, table, row] of bad) {
      expect(() => commitInsert(tenant, table, row as Record<string, string>)).toThrow(CommitInsertError);
    }
  });
});
