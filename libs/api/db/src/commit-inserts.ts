import { isUuid } from '@arca/contracts';

/** A value of a row written with COMMIT: a UUID (as text) or bytes. Nothing else can be expressed. */
export type CommitValue = string | Uint8Array;

/** A row queued by `Db.insertAtCommit`, with the tenant the transaction was scoped to when it was queued. */
export interface CommitInsert {
  tenantId: string;
  table: string;
  columns: string[];
  values: string[];
}

export class CommitInsertError extends Error {
  override readonly name = 'CommitInsertError';
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Turns a row into SQL literals that cannot carry anything but what they claim: UUIDs are validated and cast,
 * bytes become a `'\x<hex>'::bytea` literal (hex digits only, by construction). Identifiers are lower-case words.
 */
export function commitInsert(
  tenantId: string,
  table: string,
  row: Record<string, CommitValue>,
): CommitInsert {
  if (!isUuid(tenantId)) throw new CommitInsertError('tenantId must be a UUID');
  if (!IDENTIFIER.test(table)) throw new CommitInsertError(`invalid table name "${table}"`);
  const columns = Object.keys(row);
  if (columns.length === 0) throw new CommitInsertError('a row needs at least one column');
  const values = columns.map((column) => {
    if (!IDENTIFIER.test(column)) throw new CommitInsertError(`invalid column name "${column}"`);
    const value = row[column];
    if (value instanceof Uint8Array) {
      return `'\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}'::bytea`;
    }
    if (typeof value === 'string' && isUuid(value)) return `'${value}'::uuid`;
    throw new CommitInsertError(`column "${column}" must be a UUID or bytes`);
  });
  return { tenantId, table, columns, values };
}

/**
 * The message that ends a transaction: its queued rows, each under the tenant setting it was queued with (a row is
 * checked by the RLS policies exactly as if it had been inserted when queued), then COMMIT. If a statement fails,
 * Postgres skips the rest of the message and the transaction can only roll back: the rows commit with the
 * transaction's other changes or not at all.
 */
export function commitMessage(inserts: readonly CommitInsert[]): string {
  const parts: string[] = [];
  let tenant = '';
  for (const insert of inserts) {
    if (insert.tenantId !== tenant) {
      parts.push(`SELECT set_config('app.tenant_id', '${insert.tenantId}', true)`);
      tenant = insert.tenantId;
    }
    parts.push(
      `INSERT INTO ${insert.table} (${insert.columns.join(', ')}) VALUES (${insert.values.join(', ')})`,
    );
  }
  parts.push('COMMIT');
  return parts.join('; ');
}
