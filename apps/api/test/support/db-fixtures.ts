import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Db } from '@arca/api-db';

/** A tenant and its owner, inserted directly (as the superuser) for tests of the data layer below the API. */
export interface RawTenant {
  id: string;
  ownerId: string;
}

export const rawTenant = (): RawTenant => ({ id: randomUUID(), ownerId: randomUUID() });

/** Inserts `t` with a unique slug (prefixed `prefix`) and its owner's user and membership. */
export async function insertRawTenant(admin: pg.Client, t: RawTenant, prefix: string): Promise<void> {
  const tag = randomBytes(5).toString('hex');
  await admin.query(`INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $2)`, [t.id, `${prefix}-${tag}`]);
  await admin.query(
    `INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, 'owner', 'x')`,
    [t.ownerId, `owner-${tag}@${prefix}.test`],
  );
  await admin.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')`, [
    t.id,
    t.ownerId,
  ]);
}

/** Deletes tenants inserted by insertRawTenant (their rows cascade) and their owners. */
export async function deleteRawTenants(admin: pg.Client, tenants: RawTenant[]): Promise<void> {
  await admin.query('DELETE FROM tenants WHERE id = ANY($1::uuid[])', [tenants.map((t) => t.id)]);
  await admin.query('DELETE FROM users WHERE id = ANY($1::uuid[])', [tenants.map((t) => t.ownerId)]);
}

/** A usable API key inserted directly, with the fingerprint its lookup returns (for the re-check functions). */
export interface RawApiKey {
  id: string;
  hash: Buffer;
  fingerprint: string;
}

/** Inserts a usable API key of `t`'s owner (reads models, expires in a day) and looks its fingerprint up. */
export async function insertRawApiKey(admin: pg.Client, db: Db, t: RawTenant): Promise<RawApiKey> {
  const hash = randomBytes(32);
  const { rows } = await admin.query<{ id: string }>(
    `INSERT INTO api_keys (tenant_id, created_by, name, key_hash, display_prefix, scopes, model_ids, expires_at)
     VALUES ($1, $2, 'k', $3, 'arca_xxxxxxxx', ARRAY['models:read'], ARRAY[]::uuid[], now() + interval '1 day')
     RETURNING id`,
    [t.id, t.ownerId, hash],
  );
  const looked = await db.lookup<{ fingerprint: string }>(
    'SELECT * FROM arca_resolve_api_key_scoped($1::bytea)',
    [hash],
  );
  return { id: rows[0]!.id, hash, fingerprint: looked[0]!.fingerprint };
}
