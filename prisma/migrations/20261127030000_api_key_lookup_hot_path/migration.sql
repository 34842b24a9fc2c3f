-- The API key lookup runs on every API request.
-- 1. arca_resolve_api_key: same results, same restored settings and the same conditions for touching last_used_at
--    as 20261127010000_harden_auth_policies, with less work per call:
--    - the UPDATE of last_used_at (at most once a minute per usable key) is not run at all when the row just read
--      shows it would change nothing;
--    - the tenant/role join fills the result row directly instead of going through RETURN QUERY;
--    - "not found" is tested on the key row itself (FOUND after PERFORM said nothing about the SELECT before it).
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
  IF k.id IS NULL THEN RETURN; END IF;
  PERFORM set_config('app.tenant_id', k.tenant_id::text, true);
  SELECT t.slug::text, m.role INTO tenant_slug, role
    FROM tenants t LEFT JOIN memberships m ON m.tenant_id = t.id AND m.user_id = k.created_by
   WHERE t.id = k.tenant_id AND t.deleted_at IS NULL;
  IF FOUND THEN
    api_key_id := k.id;
    tenant_id := k.tenant_id;
    user_id := k.created_by;
    scopes := k.scopes;
    model_ids := k.model_ids;
    expires_at := k.expires_at;
    revoked_at := k.revoked_at;
    RETURN NEXT;
    IF role IS NOT NULL AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
       AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '60 seconds') THEN
      UPDATE api_keys ak SET last_used_at = now()
       WHERE ak.id = k.id AND ak.revoked_at IS NULL AND (ak.expires_at IS NULL OR ak.expires_at > now())
         AND (ak.last_used_at IS NULL OR ak.last_used_at < now() - interval '60 seconds')
         AND EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = k.tenant_id AND m.user_id = k.created_by);
    END IF;
  END IF;
  PERFORM set_config('app.tenant_id', coalesce(prev_tenant, ''), true);
END
$fn$;

-- 2. The same lookup as the first statement of the request's transaction (Db.lookupAndBegin sends BEGIN and this call
-- in one message): it leaves app.tenant_id set, transaction-locally, to the key's tenant, but only for a key that
-- is usable right now (found, not revoked, not expired, creator still a member, tenant not deleted). Otherwise the
-- caller's settings stay as they were and the transaction is scoped to nothing.
CREATE FUNCTION arca_resolve_api_key_scoped(p_key_hash BYTEA)
RETURNS TABLE (api_key_id UUID, tenant_id UUID, tenant_slug TEXT, user_id UUID, role member_role,
               scopes TEXT[], model_ids UUID[], expires_at TIMESTAMPTZ, revoked_at TIMESTAMPTZ)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $fn$
DECLARE
  r record;
BEGIN
  SELECT * INTO r FROM arca_resolve_api_key(p_key_hash) x;
  IF r.api_key_id IS NULL THEN RETURN; END IF;
  api_key_id := r.api_key_id;
  tenant_id := r.tenant_id;
  tenant_slug := r.tenant_slug;
  user_id := r.user_id;
  role := r.role;
  scopes := r.scopes;
  model_ids := r.model_ids;
  expires_at := r.expires_at;
  revoked_at := r.revoked_at;
  RETURN NEXT;
  IF r.role IS NOT NULL AND r.revoked_at IS NULL AND (r.expires_at IS NULL OR r.expires_at > now()) THEN
    PERFORM set_config('app.tenant_id', r.tenant_id::text, true);
  END IF;
END
$fn$;

REVOKE ALL ON FUNCTION arca_resolve_api_key_scoped(BYTEA) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arca_resolve_api_key_scoped(BYTEA) TO arca_app;
