-- Encrypted model versions (issue 4): tenant key-encryption keys, staged uploads stored as encrypted segments,
-- immutable versions with their wrapped data keys, one-time download grants, aliases and promotion requests.
-- Key hierarchy: master key (KeyProvider) → tenant KEK (tenant_keys) → per-version DEK (blob_keys) → segments in
-- the Tink AES-GCM-HKDF streaming format. See docs/adr/0009-encrypted-artifacts.md.

-- Tenant policy for uploaded ONNX: extra operator domains and whether external-data tensors are accepted.
ALTER TABLE "tenants" ADD COLUMN "onnx_allowed_domains" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "tenants" ADD COLUMN "protected_aliases" TEXT[] NOT NULL DEFAULT ARRAY['production']::TEXT[];

-- Tenant KEKs, wrapped by the master key. One 'active' version per tenant; rotation adds a version and re-wraps
-- every DEK under it, then retires the old one. Crypto-shredding sets every version to 'destroyed' and erases it.
CREATE TYPE "tenant_key_state" AS ENUM ('active', 'retired', 'destroyed');
CREATE TABLE "tenant_keys" (
    "tenant_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "state" "tenant_key_state" NOT NULL,
    -- TRUE for the active version, NULL otherwise: the unique (tenant_id, is_active) allows one active KEK.
    "is_active" BOOLEAN,
    "wrapped_kek" BYTEA,
    "master_key_id" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(6),
    "destroyed_at" TIMESTAMPTZ(6),
    CONSTRAINT "tenant_keys_pkey" PRIMARY KEY ("tenant_id", "version"),
    CONSTRAINT "tenant_keys_material" CHECK (("state" = 'destroyed') = ("wrapped_kek" IS NULL)),
    CONSTRAINT "tenant_keys_active_flag" CHECK (("state" = 'active') = ("is_active" IS NOT NULL) AND "is_active" IS NOT FALSE)
);
CREATE UNIQUE INDEX "tenant_keys_tenant_id_is_active_key" ON "tenant_keys" ("tenant_id", "is_active");

-- A blob is the encrypted bytes of one upload; the version finalised from it shares its id, so the associated
-- data fixed at upload time (tenant/model/blob) also binds the version.
CREATE TYPE "upload_state" AS ENUM ('open', 'finalizing', 'finalized', 'aborted');
CREATE TABLE "uploads" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "model_id" UUID NOT NULL,
    "token_hash" BYTEA NOT NULL,
    "state" "upload_state" NOT NULL DEFAULT 'open',
    "declared_size" BIGINT NOT NULL,
    "received_size" BIGINT NOT NULL DEFAULT 0,
    "segments_written" INTEGER NOT NULL DEFAULT 0,
    "header" BYTEA NOT NULL,
    "parent_version_id" UUID,
    "created_by" UUID NOT NULL,
    "api_key_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "finalized_at" TIMESTAMPTZ(6),
    CONSTRAINT "uploads_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "uploads_tenant_id_id_key" UNIQUE ("tenant_id", "id"),
    CONSTRAINT "uploads_token_hash_key" UNIQUE ("token_hash"),
    CONSTRAINT "uploads_sizes" CHECK ("declared_size" >= 0 AND "received_size" BETWEEN 0 AND "declared_size")
);
CREATE INDEX "uploads_tenant_model" ON "uploads" ("tenant_id", "model_id", "created_at" DESC);

-- The wrapped DEK of each blob (kept apart from the segments so shredding and backup retention can treat keys
-- differently from ciphertext). The DEK is wrapped by KEK version kek_version with the blob's associated data.
CREATE TABLE "blob_keys" (
    "blob_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "kek_version" INTEGER NOT NULL,
    "wrapped_dek" BYTEA NOT NULL,
    "algorithm" TEXT NOT NULL DEFAULT 'AES256_GCM_HKDF_1MB',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rewrapped_at" TIMESTAMPTZ(6),
    CONSTRAINT "blob_keys_pkey" PRIMARY KEY ("blob_id"),
    CONSTRAINT "blob_keys_tenant_id_blob_id_key" UNIQUE ("tenant_id", "blob_id")
);
CREATE INDEX "blob_keys_tenant_kek" ON "blob_keys" ("tenant_id", "kek_version");

-- One row per 1 MiB ciphertext segment (segment 0 excludes the stream header, which lives on the upload).
CREATE TABLE "blob_segments" (
    "blob_id" UUID NOT NULL,
    "idx" INTEGER NOT NULL,
    "tenant_id" UUID NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    CONSTRAINT "blob_segments_pkey" PRIMARY KEY ("blob_id", "idx"),
    CONSTRAINT "blob_segments_idx" CHECK ("idx" >= 0)
);
-- Ciphertext does not compress: store it out of line without trying.
ALTER TABLE "blob_segments" ALTER COLUMN "ciphertext" SET STORAGE EXTERNAL;

CREATE TYPE "version_state" AS ENUM ('validating', 'ready', 'failed');
CREATE TABLE "model_versions" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "model_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "state" "version_state" NOT NULL DEFAULT 'validating',
    "failure_code" TEXT,
    "failure_reason" VARCHAR(1000),
    "size_bytes" BIGINT NOT NULL,
    "sha256" BYTEA,
    "format" JSONB,
    "parameter_count" BIGINT,
    "parent_version_id" UUID,
    "description" VARCHAR(4000) NOT NULL DEFAULT '',
    "card" JSONB NOT NULL DEFAULT '{}'::jsonb,
    "tags" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ready_at" TIMESTAMPTZ(6),
    "archived_at" TIMESTAMPTZ(6),
    CONSTRAINT "model_versions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "model_versions_tenant_id_id_key" UNIQUE ("tenant_id", "id"),
    CONSTRAINT "model_versions_model_number_key" UNIQUE ("model_id", "number"),
    CONSTRAINT "model_versions_number" CHECK ("number" >= 1),
    CONSTRAINT "model_versions_ready" CHECK ("state" <> 'ready' OR ("sha256" IS NOT NULL AND "format" IS NOT NULL))
);
CREATE INDEX "model_versions_tenant_model" ON "model_versions" ("tenant_id", "model_id", "number" DESC);
CREATE INDEX "model_versions_tags" ON "model_versions" USING GIN ("tags");

-- Immutable content: once a version leaves 'validating', its bytes, digest and validation results never change.
CREATE FUNCTION arca_model_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF OLD.state <> 'validating' AND (
       NEW.state IS DISTINCT FROM OLD.state OR NEW.sha256 IS DISTINCT FROM OLD.sha256
       OR NEW.size_bytes IS DISTINCT FROM OLD.size_bytes OR NEW.format IS DISTINCT FROM OLD.format
       OR NEW.parameter_count IS DISTINCT FROM OLD.parameter_count OR NEW.number IS DISTINCT FROM OLD.number
       OR NEW.model_id IS DISTINCT FROM OLD.model_id OR NEW.created_by IS DISTINCT FROM OLD.created_by
       OR NEW.parent_version_id IS DISTINCT FROM OLD.parent_version_id) THEN
    RAISE EXCEPTION 'model version % is immutable', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.id IS DISTINCT FROM OLD.id OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
    RAISE EXCEPTION 'model version identity is immutable' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER model_versions_immutable BEFORE UPDATE ON "model_versions"
  FOR EACH ROW EXECUTE FUNCTION arca_model_version_immutable();

-- One-time, short-lived download grants (the token is stored only as an HMAC, like API keys).
CREATE TABLE "download_grants" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "token_hash" BYTEA NOT NULL,
    "created_by" UUID NOT NULL,
    "api_key_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "first_used_at" TIMESTAMPTZ(6),
    "completed_at" TIMESTAMPTZ(6),
    "failure_code" TEXT,
    "requests" INTEGER NOT NULL DEFAULT 0,
    -- A request in flight holds the grant until then: one transfer at a time (a replayed link waits its turn).
    "busy_until" TIMESTAMPTZ(6),
    CONSTRAINT "download_grants_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "download_grants_token_hash_key" UNIQUE ("token_hash")
);
CREATE INDEX "download_grants_tenant_version" ON "download_grants" ("tenant_id", "version_id");

-- Aliases point at ready versions. A protected alias moves only through an approved promotion request.
CREATE TABLE "model_aliases" (
    "tenant_id" UUID NOT NULL,
    "model_id" UUID NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "version_id" UUID NOT NULL,
    "updated_by" UUID NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "model_aliases_pkey" PRIMARY KEY ("model_id", "name")
);
CREATE INDEX "model_aliases_tenant_version" ON "model_aliases" ("tenant_id", "version_id");

CREATE TYPE "promotion_state" AS ENUM ('pending', 'approved', 'rejected', 'cancelled');
CREATE TABLE "promotion_requests" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "model_id" UUID NOT NULL,
    "alias" VARCHAR(64) NOT NULL,
    "version_id" UUID NOT NULL,
    "state" "promotion_state" NOT NULL DEFAULT 'pending',
    "reason" VARCHAR(1000) NOT NULL DEFAULT '',
    "requested_by" UUID NOT NULL,
    "decided_by" UUID,
    "decision_note" VARCHAR(1000),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(6),
    CONSTRAINT "promotion_requests_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "promotion_requests_decision" CHECK (("state" = 'pending') = ("decided_at" IS NULL))
);
CREATE INDEX "promotion_requests_tenant_state" ON "promotion_requests" ("tenant_id", "state", "created_at" DESC);

-- Foreign keys: every child row belongs to the same tenant as its parent.
ALTER TABLE "tenant_keys" ADD CONSTRAINT "tenant_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE;
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_model_fkey" FOREIGN KEY ("tenant_id", "model_id") REFERENCES "models"("tenant_id", "id") ON DELETE CASCADE;
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE CASCADE;
ALTER TABLE "blob_keys" ADD CONSTRAINT "blob_keys_upload_fkey" FOREIGN KEY ("tenant_id", "blob_id") REFERENCES "uploads"("tenant_id", "id") ON DELETE CASCADE;
ALTER TABLE "blob_segments" ADD CONSTRAINT "blob_segments_upload_fkey" FOREIGN KEY ("tenant_id", "blob_id") REFERENCES "uploads"("tenant_id", "id") ON DELETE CASCADE;
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_blob_fkey" FOREIGN KEY ("tenant_id", "id") REFERENCES "uploads"("tenant_id", "id");
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_fkey" FOREIGN KEY ("tenant_id", "model_id") REFERENCES "models"("tenant_id", "id") ON DELETE CASCADE;
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_parent_fkey" FOREIGN KEY ("tenant_id", "parent_version_id") REFERENCES "model_versions"("tenant_id", "id");
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id");
ALTER TABLE "download_grants" ADD CONSTRAINT "download_grants_version_fkey" FOREIGN KEY ("tenant_id", "version_id") REFERENCES "model_versions"("tenant_id", "id") ON DELETE CASCADE;
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_model_fkey" FOREIGN KEY ("tenant_id", "model_id") REFERENCES "models"("tenant_id", "id") ON DELETE CASCADE;
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_version_fkey" FOREIGN KEY ("tenant_id", "version_id") REFERENCES "model_versions"("tenant_id", "id");
ALTER TABLE "promotion_requests" ADD CONSTRAINT "promotion_requests_model_fkey" FOREIGN KEY ("tenant_id", "model_id") REFERENCES "models"("tenant_id", "id") ON DELETE CASCADE;
ALTER TABLE "promotion_requests" ADD CONSTRAINT "promotion_requests_version_fkey" FOREIGN KEY ("tenant_id", "version_id") REFERENCES "model_versions"("tenant_id", "id");

-- Row-level security ----------------------------------------------------------------------------------------
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['tenant_keys', 'uploads', 'blob_keys', 'blob_segments', 'model_versions',
                           'download_grants', 'model_aliases', 'promotion_requests'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
  END LOOP;
END $$;

-- Upload and download tokens authenticate their own requests: the row is readable by presenting the token hash.
CREATE POLICY secret_lookup ON "uploads" FOR SELECT
  USING (token_hash = decode(NULLIF(current_setting('app.auth_lookup', true), ''), 'hex'));
CREATE POLICY secret_lookup ON "download_grants" FOR SELECT
  USING (token_hash = decode(NULLIF(current_setting('app.auth_lookup', true), ''), 'hex'));

-- Privileges: versions and keys are never deleted by the app (shredding erases key material by UPDATE);
-- segments of unfinished uploads are deleted when the upload is aborted or expires.
GRANT SELECT, INSERT, UPDATE ON "tenant_keys", "uploads", "blob_keys", "model_versions", "download_grants",
  "promotion_requests" TO arca_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON "model_aliases" TO arca_app;
GRANT SELECT, INSERT, DELETE ON "blob_segments" TO arca_app;

-- Maintenance that spans tenants (master-key rotation): the ids of every tenant, nothing else.
CREATE FUNCTION arca_tenant_ids() RETURNS SETOF UUID
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$ SELECT id FROM tenants ORDER BY id $fn$;
DO $$
BEGIN
  -- A non-superuser migrating role is itself subject to the forced policies: let it (only) list tenants.
  IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('CREATE POLICY maintenance ON tenants FOR SELECT TO %I USING (true)', current_user);
  END IF;
END $$;
REVOKE ALL ON FUNCTION arca_tenant_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arca_tenant_ids() TO arca_app;

-- Master-key rotation re-seals audit log signing keys. Rows stay undeletable; an UPDATE may change only the
-- sealed private key (the public key verifiers pinned, the origin and the tenant never change).
DROP TRIGGER "audit_log_keys_append_only" ON "audit_log_keys";
CREATE TRIGGER "audit_log_keys_append_only" BEFORE DELETE OR TRUNCATE ON "audit_log_keys"
  FOR EACH STATEMENT EXECUTE FUNCTION arca_audit_forbid();
CREATE FUNCTION arca_audit_log_key_reseal_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.tenant_id IS DISTINCT FROM OLD.tenant_id OR NEW.origin IS DISTINCT FROM OLD.origin
     OR NEW.public_key IS DISTINCT FROM OLD.public_key OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'audit log keys only change their sealing' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER "audit_log_keys_reseal_only" BEFORE UPDATE ON "audit_log_keys"
  FOR EACH ROW EXECUTE FUNCTION arca_audit_log_key_reseal_only();
GRANT UPDATE ("sealed_private_key") ON "audit_log_keys" TO arca_app;
