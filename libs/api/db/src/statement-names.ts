import { createHash } from 'node:crypto';

const MAX_NAMES = 2_000;
const names = new Map<string, string>();
const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET\s)/i;

/**
 * A stable prepared-statement name per SQL text, so pg parses each statement once per connection and Postgres
 * reuses its parse tree and plan (RLS policies read `app.tenant_id` at execution time, so plans stay correct).
 * Transaction control stays unnamed. After MAX_NAMES distinct texts (e.g. IN lists of varying length) new texts
 * stay unnamed, which bounds the per-connection statement cache. Needs session pooling (or PgBouncer ≥ 1.21 with
 * `max_prepared_statements`) between the API and Postgres. `''` means unnamed (pg treats it as no name).
 */
export function statementName(sql: string): string {
  const known = names.get(sql);
  if (known !== undefined) return known;
  if (names.size >= MAX_NAMES) return '';
  const name = TRANSACTION_CONTROL.test(sql)
    ? ''
    : `arca_${createHash('sha256').update(sql).digest('base64url').slice(0, 22)}`;
  names.set(sql, name);
  return name;
}
