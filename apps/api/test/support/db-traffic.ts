import type { Socket } from 'node:net';
import type pg from 'pg';
import { poolOf, type Db } from '@arca/api-db';

/** Runs `fn` as one HTTP request does: in a request scope, confirmed (as the onSend hook does), then ended. */
export async function asRequest<T>(db: Db, fn: (key: object) => Promise<T>): Promise<T> {
  const key = {};
  try {
    const result = await new Promise<T>((resolve, reject) =>
      db.requestScope(key, () => void fn(key).then(resolve, reject)),
    );
    await db.confirmRequestScope(key);
    return result;
  } finally {
    await db.endRequestScope(key);
  }
}

/**
 * Counts the socket writes and records the statements sent on the one connection of `db`'s pool (created with
 * poolMax 1) while `fn` runs.
 */
export async function traffic<T>(
  db: Db,
  fn: () => Promise<T>,
): Promise<{ result: T; writes: number; sql: string[] }> {
  const pool = poolOf(db.client);
  const conn = (await pool.connect()) as pg.PoolClient & { connection: { stream: Socket } };
  conn.release();
  const stream = conn.connection.stream as Socket & {
    _write: (...a: unknown[]) => unknown;
    _writev: (...a: unknown[]) => unknown;
  };
  const write = stream._write;
  const writev = stream._writev;
  const query = conn.query;
  let writes = 0;
  const sql: string[] = [];
  stream._write = (...a: unknown[]) => (writes++, write.apply(stream, a));
  stream._writev = (...a: unknown[]) => (writes++, writev.apply(stream, a));
  conn.query = ((config: string | { text: string }, ...rest: unknown[]) => {
    sql.push(typeof config === 'string' ? config : config.text);
    return (query as (...a: unknown[]) => unknown).call(conn, config, ...rest);
  }) as typeof conn.query;
  try {
    return { result: await fn(), writes, sql };
  } finally {
    stream._write = write;
    stream._writev = writev;
    conn.query = query;
  }
}

/** What a fresh statement on the pool's connection sees: its tenant setting and how many models it can read. */
export async function settingAndVisible(db: Db): Promise<{ v: string; n: number }> {
  const rows = await db.lookup<{ v: string | null; n: string }>(
    `SELECT current_setting('app.tenant_id', true) AS v, (SELECT count(*) FROM models) AS n`,
    [],
  );
  return { v: rows[0]!.v ?? '', n: Number(rows[0]!.n) };
}
