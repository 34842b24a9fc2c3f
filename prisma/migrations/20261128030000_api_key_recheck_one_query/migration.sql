-- The re-check of a cached API key (ADR 0011) in one query instead of three nested functions.
-- arca_recheck_api_key(hash, fingerprint) resolved the key through arca_resolve_api_key_scoped and
-- arca_resolve_api_key: two lookups, four set_config calls and three function frames with their own search_path,
-- on every request. The server knows the tenant its cached key belongs to, so this overload scopes the
-- transaction to that tenant first and reads key, tenant and membership in one join under the tenant policies:
-- a key of any other tenant is simply not found. Same rules otherwise: it raises AR001 unless the key is usable
-- right now (found, not revoked, not expired, creator still a member, tenant not deleted) and its fingerprint,
-- computed exactly as arca_resolve_api_key_scoped computes it, is still p_fingerprint; it touches last_used_at
-- under the same conditions as arca_resolve_api_key; on success app.tenant_id is the key's tenant,
-- transaction-locally. The two-argument version stays for servers not yet upgraded.
CREATE FUNCTION arca_recheck_api_key(p_key_hash BYTEA, p_fingerprint TEXT, p_tenant_id UUID)
RETURNS VOID
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $fn$
DECLARE
  r record;
BEGIN
  PERFORM set_config('app.tenant_id', p_tenant_id::text, true);
  SELECT k.id, k.tenant_id, t.slug::text AS tenant_slug, k.created_by, m.role, k.scopes, k.model_ids,
         k.expires_at, k.revoked_at, k.last_used_at
    INTO r
    FROM api_keys k
    JOIN tenants t ON t.id = k.tenant_id AND t.deleted_at IS NULL
    LEFT JOIN memberships m ON m.tenant_id = k.tenant_id AND m.user_id = k.created_by
   WHERE k.key_hash = p_key_hash AND k.tenant_id = p_tenant_id;
  IF r.id IS NULL OR r.role IS NULL OR r.revoked_at IS NOT NULL
     OR (r.expires_at IS NOT NULL AND r.expires_at <= now())
     OR encode(sha256(convert_to(format('%L|%L|%L|%L|%L|%L|%L|%L|%L',
          r.id, r.tenant_id, r.tenant_slug, r.created_by, r.role, r.scopes, r.model_ids,
          extract(epoch FROM r.expires_at), extract(epoch FROM r.revoked_at)), 'UTF8')), 'hex')
        IS DISTINCT FROM p_fingerprint THEN
    RAISE EXCEPTION 'the API key changed since it was checked' USING ERRCODE = 'AR001';
  END IF;
  IF r.last_used_at IS NULL OR r.last_used_at < now() - interval '60 seconds' THEN
    UPDATE api_keys ak SET last_used_at = now()
     WHERE ak.id = r.id AND ak.revoked_at IS NULL AND (ak.expires_at IS NULL OR ak.expires_at > now())
       AND (ak.last_used_at IS NULL OR ak.last_used_at < now() - interval '60 seconds');
  END IF;
END
$fn$;

REVOKE ALL ON FUNCTION arca_recheck_api_key(BYTEA, TEXT, UUID) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arca_recheck_api_key(BYTEA, TEXT, UUID) TO arca_app;
