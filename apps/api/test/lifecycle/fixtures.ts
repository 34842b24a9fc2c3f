// Seeding for lifecycle tests: READY versions inserted directly as the admin role (RLS does not apply), because a
// version becomes ready only after its bytes are uploaded and validated as ONNX. These rows carry a dummy stream
// header and no segments: they are metadata-only and cannot be downloaded. Once `@arca/onnx/testing` ships a model
// builder, suites that need real bytes should upload through the API instead.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

async function withAdmin<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: inject('databaseAdminUrl') });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

export interface SeedVersionOptions {
  parentVersionId?: string | null;
  archived?: boolean;
  state?: 'ready' | 'validating' | 'failed';
  description?: string;
  tags?: string[];
}

/** A version of `modelId` uploaded by `createdBy` (any user id), numbered after the model's last one. */
export async function seedVersion(
  tenantId: string,
  modelId: string,
  createdBy: string,
  opts: SeedVersionOptions = {},
): Promise<{ id: string; number: number }> {
  const state = opts.state ?? 'ready';
  const size = 1024;
  return withAdmin(async (db) => {
    const upload = await db.query<{ id: string }>(
      `INSERT INTO uploads (tenant_id, model_id, token_hash, state, declared_size, received_size, segments_written,
                            header, parent_version_id, created_by, expires_at, finalized_at)
       VALUES ($1, $2, $3, 'finalized', $4, $4, 1, $5, $6, $7, now() + interval '1 hour', now())
       RETURNING id::text`,
      [tenantId, modelId, randomBytes(32), size, randomBytes(40), opts.parentVersionId ?? null, createdBy],
    );
    const id = upload.rows[0]!.id;
    const ready = state === 'ready';
    const version = await db.query<{ number: number }>(
      `INSERT INTO model_versions (id, tenant_id, model_id, number, state, size_bytes, sha256, format, parameter_count,
                                   parent_version_id, description, tags, created_by, ready_at, archived_at,
                                   failure_code, failure_reason)
       VALUES ($1, $2, $3, (SELECT coalesce(max(number), 0) + 1 FROM model_versions WHERE model_id = $3), $4, $5,
               $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       RETURNING number`,
      [
        id,
        tenantId,
        modelId,
        state,
        size,
        ready ? createHash('sha256').update(id).digest() : null,
        ready ? '{}' : null,
        ready ? 10 : null,
        opts.parentVersionId ?? null,
        opts.description ?? '',
        opts.tags ?? [],
        createdBy,
        ready ? new Date() : null,
        opts.archived ? new Date() : null,
        state === 'failed' ? 'INVALID_ONNX' : null,
        state === 'failed' ? 'seeded failure' : null,
      ],
    );
    return { id, number: version.rows[0]!.number };
  });
}

/** A pending promotion request, as if `requestedBy` had asked for it. */
export async function seedPromotion(
  tenantId: string,
  modelId: string,
  versionId: string,
  alias: string,
  requestedBy: string,
): Promise<{ id: string }> {
  return withAdmin(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO promotion_requests (tenant_id, model_id, alias, version_id, reason, requested_by)
       VALUES ($1, $2, $3, $4, 'seeded', $5) RETURNING id::text`,
      [tenantId, modelId, alias, versionId, requestedBy],
    );
    return rows[0]!;
  });
}

/** An alias row, whatever the policy says (for tests of deleting and archiving). */
export async function seedAlias(
  tenantId: string,
  modelId: string,
  name: string,
  versionId: string,
  updatedBy: string,
): Promise<void> {
  await withAdmin((db) =>
    db.query(
      `INSERT INTO model_aliases (tenant_id, model_id, name, version_id, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (model_id, name) DO UPDATE SET version_id = EXCLUDED.version_id`,
      [tenantId, modelId, name, versionId, updatedBy],
    ),
  );
}
