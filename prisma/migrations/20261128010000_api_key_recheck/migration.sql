-- Cached API keys, re-checked in the request's own transaction (ADR 0011).
-- 1. arca_resolve_api_key_scoped also returns a fingerprint of everything a request's authority is derived from
--    (key, tenant, creator, role, scopes, model restrictions, expiry, revocation). Same rows, same settings as
--    20261127030000_api_key_lookup_hot_path otherwise. The return type changes, so the function is recreated.
DROP FUNCTION arca_resolve_api_key_scoped(BYTEA);

CREATE FUNCTION arca_resolve_api_key_scoped(p_key_hash BYTEA)
RETURNS TABLE (api_key_id UUID, tenant_id UUID, tenant_slug TEXT, user_id UUID, role member_role,
               scopes TEXT[], model_ids UUID[], expires_at TIMESTAMPTZ, revoked_at TIMESTAMPTZ,
               fingerprint TEXT)
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
  -- %L quotes every value and writes NULL for a null one, so distinct rows never share a string; epochs do not
  -- depend on the session's TimeZone or DateStyle.
  fingerprint := encode(sha256(convert_to(format('%L|%L|%L|%L|%L|%L|%L|%L|%L',
    r.api_key_id, r.tenant_id, r.tenant_slug, r.user_id, r.role, r.scopes, r.model_ids,
    extract(epoch FROM r.expires_at), extract(epoch FROM r.revoked_at)), 'UTF8')), 'hex');
  RETURN NEXT;
  IF r.role IS NOT NULL AND r.revoked_at IS NULL AND (r.expires_at IS NULL OR r.expires_at > now()) THEN
    PERFORM set_config('app.tenant_id', r.tenant_id::text, true);
  END IF;
END
$fn$;

REVOKE ALL ON FUNCTION arca_resolve_api_key_scoped(BYTEA) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arca_resolve_api_key_scoped(BYTEA) TO arca_app;

-- 2. The re-check: resolves the key again (same rules, same last_used_at touch) and raises SQLSTATE AR001 (ours,
--    so it cannot be confused with a connection refused for authentication, 28000) unless the key is usable right
--    now and its fingerprint is still p_fingerprint. On success app.tenant_id is the key's tenant,
--    transaction-locally.
CREATE FUNCTION arca_recheck_api_key(p_key_hash BYTEA, p_fingerprint TEXT)
RETURNS VOID
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $fn$
DECLARE
  r record;
BEGIN
  SELECT * INTO r FROM arca_resolve_api_key_scoped(p_key_hash) x;
  IF r.api_key_id IS NULL OR r.fingerprint IS DISTINCT FROM p_fingerprint OR r.role IS NULL
     OR r.revoked_at IS NOT NULL OR (r.expires_at IS NOT NULL AND r.expires_at <= now())
     OR current_setting('app.tenant_id', true) IS DISTINCT FROM r.tenant_id::text THEN
    RAISE EXCEPTION 'the API key changed since it was checked' USING ERRCODE = 'AR001';
  END IF;
END
$fn$;

REVOKE ALL ON FUNCTION arca_recheck_api_key(BYTEA, TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arca_recheck_api_key(BYTEA, TEXT) TO arca_app;
