-- Arca foundation: tenants, identity, memberships, API keys, invitations, models, per-model grants.
-- Tenant wall (docs/adr/0001-tenant-wall.md): every table with tenant_id has RLS enabled AND forced, with a
-- policy on NULLIF(current_setting('app.tenant_id', true), ''). The application connects as arca_app, which
-- owns nothing and cannot bypass RLS. Settings used by policies (all transaction-local, set by the API):
--   app.tenant_id    the tenant of the current request
--   app.user_id      the acting user during authentication flows (login, password change)
--   app.login_email  the email being authenticated
--   app.auth_lookup  hex hash of a presented secret (session token, API key, invitation token): a row is
--                    visible through it only to someone who holds the secret

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'arca_app') THEN
    CREATE ROLE arca_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END $$;

-- CreateEnum
CREATE TYPE "member_role" AS ENUM ('owner', 'admin', 'publisher', 'approver', 'consumer', 'viewer', 'auditor');

-- CreateEnum
CREATE TYPE "model_visibility" AS ENUM ('internal', 'restricted');

-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "slug" VARCHAR(63) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" VARCHAR(254) NOT NULL,
    "display_name" VARCHAR(200) NOT NULL,
    "password_hash" VARCHAR(200) NOT NULL,
    "password_changed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memberships" (
    "tenant_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "member_role" NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "memberships_pkey" PRIMARY KEY ("tenant_id","user_id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "token_hash" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "idle_expires_at" TIMESTAMPTZ(6) NOT NULL,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "revoked_at" TIMESTAMPTZ(6),
    "ip" VARCHAR(64),
    "user_agent" VARCHAR(512),

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "created_by" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "key_hash" BYTEA NOT NULL,
    "display_prefix" VARCHAR(32) NOT NULL,
    "scopes" TEXT[],
    "model_ids" UUID[],
    "expires_at" TIMESTAMPTZ(6),
    "last_used_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invitations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "role" "member_role" NOT NULL,
    "token_hash" BYTEA NOT NULL,
    "invited_by" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "accepted_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invitations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "models" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "description" VARCHAR(4000) NOT NULL DEFAULT '',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "visibility" "model_visibility" NOT NULL DEFAULT 'internal',
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "archived_at" TIMESTAMPTZ(6),

    CONSTRAINT "models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_grants" (
    "tenant_id" UUID NOT NULL,
    "model_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "member_role" NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_grants_pkey" PRIMARY KEY ("model_id","user_id")
);

-- CreateTable
CREATE TABLE "auth_throttle" (
    "key" VARCHAR(64) NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "window_started_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "blocked_until" TIMESTAMPTZ(6),

    CONSTRAINT "auth_throttle_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");
CREATE INDEX "memberships_user_id_idx" ON "memberships"("user_id");
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions"("token_hash");
CREATE INDEX "sessions_tenant_id_user_id_idx" ON "sessions"("tenant_id", "user_id");
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");
CREATE INDEX "api_keys_tenant_id_created_by_idx" ON "api_keys"("tenant_id", "created_by");
CREATE UNIQUE INDEX "invitations_token_hash_key" ON "invitations"("token_hash");
CREATE INDEX "invitations_tenant_id_email_idx" ON "invitations"("tenant_id", "email");
CREATE INDEX "models_tenant_id_created_at_id_idx" ON "models"("tenant_id", "created_at" DESC, "id");
CREATE UNIQUE INDEX "models_tenant_id_name_key" ON "models"("tenant_id", "name");
CREATE UNIQUE INDEX "models_tenant_id_id_key" ON "models"("tenant_id", "id");
CREATE INDEX "model_grants_tenant_id_user_id_idx" ON "model_grants"("tenant_id", "user_id");

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "models" ADD CONSTRAINT "models_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "model_grants" ADD CONSTRAINT "model_grants_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "model_grants" ADD CONSTRAINT "model_grants_tenant_id_model_id_fkey" FOREIGN KEY ("tenant_id", "model_id") REFERENCES "models"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "model_grants" ADD CONSTRAINT "model_grants_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Row-level security: tenant tables -------------------------------------------------------------------
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['memberships', 'sessions', 'api_keys', 'invitations', 'models', 'model_grants'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
  END LOOP;
END $$;

-- Secret-holder lookups: a row is readable before the tenant is known only by presenting its secret's hash.
CREATE POLICY secret_lookup ON "sessions" FOR SELECT
  USING (token_hash = decode(NULLIF(current_setting('app.auth_lookup', true), ''), 'hex'));
CREATE POLICY secret_lookup ON "api_keys" FOR SELECT
  USING (key_hash = decode(NULLIF(current_setting('app.auth_lookup', true), ''), 'hex'));
CREATE POLICY secret_lookup ON "invitations" FOR SELECT
  USING (token_hash = decode(NULLIF(current_setting('app.auth_lookup', true), ''), 'hex'));

-- The acting user (authentication flows) sees and manages their own memberships and sessions in every tenant.
CREATE POLICY acting_user ON "memberships" FOR SELECT
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY acting_user ON "sessions"
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid))
  WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));

-- Tenants: the current tenant, and the tenants of the acting user.
ALTER TABLE "tenants" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "tenants" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON "tenants"
  USING (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
CREATE POLICY acting_user ON "tenants" FOR SELECT
  USING (id IN (SELECT m.tenant_id FROM memberships m
                WHERE m.user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid)));

-- Users are global identities: visible to themselves, to the login flow by email, and to tenants they belong to.
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "users" FORCE ROW LEVEL SECURITY;
CREATE POLICY acting_user ON "users"
  USING (id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid))
  WITH CHECK (id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY login_email ON "users" FOR SELECT
  USING (email = (SELECT NULLIF(current_setting('app.login_email', true), '')));
CREATE POLICY tenant_member ON "users" FOR SELECT
  USING (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id
                 AND m.tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)));

-- Authentication in one round trip. SECURITY INVOKER: they run as arca_app under the policies above.
CREATE FUNCTION arca_resolve_api_key(p_key_hash BYTEA)
RETURNS TABLE (api_key_id UUID, tenant_id UUID, tenant_slug TEXT, user_id UUID, role member_role,
               scopes TEXT[], model_ids UUID[], expires_at TIMESTAMPTZ, revoked_at TIMESTAMPTZ)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $fn$
DECLARE k api_keys%ROWTYPE;
BEGIN
  PERFORM set_config('app.auth_lookup', encode(p_key_hash, 'hex'), true);
  SELECT * INTO k FROM api_keys ak WHERE ak.key_hash = p_key_hash;
  PERFORM set_config('app.auth_lookup', '', true);
  IF NOT FOUND THEN RETURN; END IF;
  PERFORM set_config('app.tenant_id', k.tenant_id::text, true);
  UPDATE api_keys ak SET last_used_at = now()
   WHERE ak.id = k.id AND ak.revoked_at IS NULL
     AND (ak.last_used_at IS NULL OR ak.last_used_at < now() - interval '60 seconds');
  RETURN QUERY
    SELECT k.id, k.tenant_id, t.slug::text, k.created_by, m.role, k.scopes, k.model_ids, k.expires_at, k.revoked_at
      FROM tenants t LEFT JOIN memberships m ON m.tenant_id = t.id AND m.user_id = k.created_by
     WHERE t.id = k.tenant_id AND t.deleted_at IS NULL;
  PERFORM set_config('app.tenant_id', '', true);
END
$fn$;

CREATE FUNCTION arca_resolve_session(p_token_hash BYTEA, p_idle_seconds INTEGER)
RETURNS TABLE (session_id UUID, tenant_id UUID, tenant_slug TEXT, user_id UUID, role member_role)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $fn$
DECLARE s sessions%ROWTYPE;
BEGIN
  PERFORM set_config('app.auth_lookup', encode(p_token_hash, 'hex'), true);
  SELECT * INTO s FROM sessions ss
   WHERE ss.token_hash = p_token_hash AND ss.revoked_at IS NULL
     AND ss.expires_at > now() AND ss.idle_expires_at > now();
  PERFORM set_config('app.auth_lookup', '', true);
  IF NOT FOUND THEN RETURN; END IF;
  PERFORM set_config('app.tenant_id', s.tenant_id::text, true);
  UPDATE sessions ss SET last_seen_at = now(),
         idle_expires_at = least(ss.expires_at, now() + make_interval(secs => p_idle_seconds))
   WHERE ss.id = s.id AND ss.last_seen_at < now() - interval '30 seconds';
  RETURN QUERY
    SELECT s.id, s.tenant_id, t.slug::text, s.user_id, m.role
      FROM tenants t JOIN memberships m ON m.tenant_id = t.id AND m.user_id = s.user_id
     WHERE t.id = s.tenant_id AND t.deleted_at IS NULL;
  PERFORM set_config('app.tenant_id', '', true);
END
$fn$;

-- Privileges: arca_app owns nothing; it gets exactly the verbs the application uses.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO arca_app;
GRANT SELECT, INSERT, UPDATE ON "tenants", "users", "api_keys", "invitations", "models" TO arca_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON "memberships", "sessions", "model_grants", "auth_throttle" TO arca_app;
REVOKE ALL ON FUNCTION arca_resolve_api_key(BYTEA) FROM PUBLIC;
REVOKE ALL ON FUNCTION arca_resolve_session(BYTEA, INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arca_resolve_api_key(BYTEA) TO arca_app;
GRANT EXECUTE ON FUNCTION arca_resolve_session(BYTEA, INTEGER) TO arca_app;
