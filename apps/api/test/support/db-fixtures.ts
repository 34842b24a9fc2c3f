import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';

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
