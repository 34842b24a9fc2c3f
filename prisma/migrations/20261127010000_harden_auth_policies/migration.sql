-- Hardening found by the DB-wall suite:
-- 1. The acting-user policy on sessions was FOR ALL, so an authentication-flow transaction could insert a session
--    for its user into any tenant. The acting user may now only read and revoke their sessions; inserts need the
--    tenant policy (the tenant of the session).
-- 2. tenant_id can never change on a tenant row (an UPDATE cannot move a row to another tenant).
-- 3. The resolve functions restore the caller's settings instead of blanking them, and only touch last_used_at
--    for keys that are usable.

DROP POLICY acting_user ON "sessions";
CREATE POLICY acting_user ON "sessions" FOR SELECT
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY acting_user_revoke ON "sessions" FOR UPDATE
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid))
  WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));

CREATE FUNCTION arca_tenant_id_immutable() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $fn$
BEGIN
  IF NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
    RAISE EXCEPTION 'tenant_id of % cannot change', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$fn$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['memberships', 'sessions', 'api_keys', 'invitations', 'models', 'model_grants'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OF tenant_id ON %I FOR EACH ROW EXECUTE FUNCTION arca_tenant_id_immutable()',
                   t || '_tenant_id_immutable', t);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION arca_resolve_api_key(p_key_hash BYTEA)
RETURNS TABLE (api_key_id UUID, tenant_id UUID, tenant_slug TEXT, user_id UUID, role member_role,
               scopes TEXT[], model_ids UUID[], expires_at TIMESTAMPTZ, revoked_at TIMESTAMPTZ)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $fn$
DECLARE
  k api_keys%ROWTYPE;
  prev_tenant text := current_setting('app.tenant_id', true);
  prev_lookup text := current_setting('app.auth_lookup', true);
BEGIN
  PERFORM set_config('app.auth_lookup', encode(p_key_hash, 'hex'), true);
  SELECT * INTO k FROM api_keys ak WHERE ak.key_hash = p_key_hash;
  PERFORM set_config('app.auth_lookup', coalesce(prev_lookup, ''), true);
  IF NOT FOUND THEN RETURN; END IF;
  PERFORM set_config('app.tenant_id', k.tenant_id::text, true);
  RETURN QUERY
    SELECT k.id, k.tenant_id, t.slug::text, k.created_by, m.role, k.scopes, k.model_ids, k.expires_at, k.revoked_at
      FROM tenants t LEFT JOIN memberships m ON m.tenant_id = t.id AND m.user_id = k.created_by
     WHERE t.id = k.tenant_id AND t.deleted_at IS NULL;
  UPDATE api_keys ak SET last_used_at = now()
   WHERE ak.id = k.id AND ak.revoked_at IS NULL AND (ak.expires_at IS NULL OR ak.expires_at > now())
     AND (ak.last_used_at IS NULL OR ak.last_used_at < now() - interval '60 seconds')
     AND EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = k.tenant_id AND m.user_id = k.created_by);
  PERFORM set_config('app.tenant_id', coalesce(prev_tenant, ''), true);
END
$fn$;

CREATE OR REPLACE FUNCTION arca_resolve_session(p_token_hash BYTEA, p_idle_seconds INTEGER)
RETURNS TABLE (session_id UUID, tenant_id UUID, tenant_slug TEXT, user_id UUID, role member_role)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $fn$
DECLARE
  s sessions%ROWTYPE;
  prev_tenant text := current_setting('app.tenant_id', true);
  prev_lookup text := current_setting('app.auth_lookup', true);
BEGIN
  PERFORM set_config('app.auth_lookup', encode(p_token_hash, 'hex'), true);
  SELECT * INTO s FROM sessions ss
   WHERE ss.token_hash = p_token_hash AND ss.revoked_at IS NULL
     AND ss.expires_at > now() AND ss.idle_expires_at > now();
  PERFORM set_config('app.auth_lookup', coalesce(prev_lookup, ''), true);
  IF NOT FOUND THEN RETURN; END IF;
  PERFORM set_config('app.tenant_id', s.tenant_id::text, true);
  UPDATE sessions ss SET last_seen_at = now(),
         idle_expires_at = least(ss.expires_at, now() + make_interval(secs => p_idle_seconds))
   WHERE ss.id = s.id AND ss.last_seen_at < now() - interval '30 seconds';
  RETURN QUERY
    SELECT s.id, s.tenant_id, t.slug::text, s.user_id, m.role
      FROM tenants t JOIN memberships m ON m.tenant_id = t.id AND m.user_id = s.user_id
     WHERE t.id = s.tenant_id AND t.deleted_at IS NULL;
  PERFORM set_config('app.tenant_id', coalesce(prev_tenant, ''), true);
END
$fn$;
