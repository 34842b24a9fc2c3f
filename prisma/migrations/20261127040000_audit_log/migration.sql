-- Tamper-evident audit log (docs/adr/0006-audit-log.md, reference/audit.md §6).
--
-- The request path INSERTs canonical event bytes into audit_outbox in the business transaction. A single sequencer
-- (arca_audit_sequence, SECURITY DEFINER) moves outbox rows into the per-tenant append-only log, assigns sequence
-- numbers under the tenant's head row lock and folds RFC 6962 leaf hashes into the head's compact range. Signed
-- checkpoints are made by the server (the log keys are sealed with the master key, never readable by the database).
-- The database guards below stop application bugs and low-privileged misuse; only the Merkle checks catch a
-- superuser, which is what tenants verify offline.

-- The derived columns are filled by the insert trigger from the entry bytes (whatever the writer sends for them).
CREATE TABLE "audit_outbox" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "entry" BYTEA NOT NULL,
    "queued_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),
    "event_time" TIMESTAMPTZ(3),
    "action" VARCHAR(100),
    "outcome" VARCHAR(16),
    "actor_kind" VARCHAR(16),
    "actor_id" UUID,
    "api_key_id" UUID,
    "resource_type" VARCHAR(50),
    "resource_id" VARCHAR(200),
    "ip" VARCHAR(64),

    CONSTRAINT "audit_outbox_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "audit_outbox_event_id_key" ON "audit_outbox"("event_id");

CREATE TABLE "audit_entries" (
    "tenant_id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "event_id" UUID NOT NULL,
    "entry" BYTEA NOT NULL,
    "leaf_hash" BYTEA NOT NULL,
    "sequenced_at" TIMESTAMPTZ(6) NOT NULL,
    "event_time" TIMESTAMPTZ(3) NOT NULL,
    "action" VARCHAR(100) NOT NULL,
    "outcome" VARCHAR(16) NOT NULL,
    "actor_kind" VARCHAR(16) NOT NULL,
    "actor_id" UUID,
    "api_key_id" UUID,
    "resource_type" VARCHAR(50),
    "resource_id" VARCHAR(200),
    "ip" VARCHAR(64),

    CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("tenant_id", "seq")
);
CREATE UNIQUE INDEX "audit_entries_event_id_key" ON "audit_entries"("event_id");
CREATE INDEX "audit_entries_tenant_id_event_time_idx" ON "audit_entries"("tenant_id", "event_time");
CREATE INDEX "audit_entries_tenant_id_action_seq_idx" ON "audit_entries"("tenant_id", "action", "seq");
CREATE INDEX "audit_entries_tenant_id_actor_id_seq_idx" ON "audit_entries"("tenant_id", "actor_id", "seq");
CREATE INDEX "audit_entries_tenant_id_resource_type_resource_id_seq_idx" ON "audit_entries"("tenant_id", "resource_type", "resource_id", "seq");
CREATE INDEX "audit_entries_tenant_id_ip_event_time_idx" ON "audit_entries"("tenant_id", "ip", "event_time");

-- Perfect-subtree hashes at heights 8, 16, 24, … (level 0 is audit_entries.leaf_hash): any proof needs at most
-- 255 stored hashes per node it combines.
CREATE TABLE "audit_nodes" (
    "tenant_id" UUID NOT NULL,
    "level" SMALLINT NOT NULL,
    "idx" BIGINT NOT NULL,
    "hash" BYTEA NOT NULL,

    CONSTRAINT "audit_nodes_pkey" PRIMARY KEY ("tenant_id", "level", "idx")
);

CREATE TABLE "audit_heads" (
    "tenant_id" UUID NOT NULL,
    "size" BIGINT NOT NULL DEFAULT 0,
    "frontier" BYTEA[] NOT NULL DEFAULT ARRAY[]::BYTEA[],
    "root" BYTEA NOT NULL,
    "checkpoint_size" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "audit_heads_pkey" PRIMARY KEY ("tenant_id")
);

CREATE TABLE "audit_checkpoints" (
    "tenant_id" UUID NOT NULL,
    "size" BIGINT NOT NULL,
    "root" BYTEA NOT NULL,
    "note" TEXT NOT NULL,
    "signed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("tenant_id", "size")
);

CREATE TABLE "audit_log_keys" (
    "tenant_id" UUID NOT NULL,
    "origin" VARCHAR(300) NOT NULL,
    "public_key" BYTEA NOT NULL,
    "sealed_private_key" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_keys_pkey" PRIMARY KEY ("tenant_id")
);

-- Personal data referenced by an event through a salted commitment; deleting the row erases it and leaves the
-- log verifiable.
CREATE TABLE "audit_pii" (
    "event_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "salt" BYTEA NOT NULL,
    "data" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_pii_pkey" PRIMARY KEY ("event_id")
);
CREATE INDEX "audit_pii_tenant_id_idx" ON "audit_pii"("tenant_id");

CREATE TABLE "audit_alerts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "rule" VARCHAR(50) NOT NULL,
    "subject" VARCHAR(200) NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "event_count" INTEGER NOT NULL,
    "first_seq" BIGINT NOT NULL,
    "last_seq" BIGINT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_alerts_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "audit_alerts_tenant_id_rule_subject_window_start_key" ON "audit_alerts"("tenant_id", "rule", "subject", "window_start");
CREATE INDEX "audit_alerts_tenant_id_created_at_idx" ON "audit_alerts"("tenant_id", "created_at");

-- Networks (IPv4 /24, IPv6 /48) each API key has acted from, for the new-network alert rule.
CREATE TABLE "audit_key_networks" (
    "tenant_id" UUID NOT NULL,
    "api_key_id" UUID NOT NULL,
    "network" VARCHAR(64) NOT NULL,
    "first_seq" BIGINT NOT NULL,

    CONSTRAINT "audit_key_networks_pkey" PRIMARY KEY ("tenant_id", "api_key_id", "network")
);

-- Sizes and hashes are well-formed whatever writes them.
ALTER TABLE "audit_outbox" ADD CONSTRAINT "audit_outbox_entry_size" CHECK (octet_length(entry) BETWEEN 2 AND 65535);
ALTER TABLE "audit_entries" ADD CONSTRAINT "audit_entries_leaf_hash_size" CHECK (octet_length(leaf_hash) = 32);
ALTER TABLE "audit_entries" ADD CONSTRAINT "audit_entries_seq_nonnegative" CHECK (seq >= 0);
ALTER TABLE "audit_nodes" ADD CONSTRAINT "audit_nodes_hash_size" CHECK (octet_length(hash) = 32);
ALTER TABLE "audit_checkpoints" ADD CONSTRAINT "audit_checkpoints_root_size" CHECK (octet_length(root) = 32);
ALTER TABLE "audit_log_keys" ADD CONSTRAINT "audit_log_keys_public_key_size" CHECK (octet_length(public_key) = 32);

-- Checks that an outbox entry is the event it claims to be (UTF-8 JSON object of schema v1, this tenant, this id)
-- and derives the fields the log indexes from those bytes — never the reverse: the bytes are what is hashed.
-- Plain assignments and casts (an invalid UUID or time raises), one regular expression: this runs on every append.
CREATE FUNCTION arca_audit_outbox_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  j JSONB;
  actor JSONB;
  resource JSONB;
  t TEXT;
BEGIN
  -- Not UTF-8 or not JSON raises here (22021 / 22P02). No EXCEPTION block: that would cost a subtransaction.
  j := convert_from(NEW.entry, 'UTF8')::jsonb;
  actor := j->'actor';
  resource := j->'resource';
  t := j->>'time';
  IF jsonb_typeof(j) IS DISTINCT FROM 'object' OR j->>'v' IS DISTINCT FROM '1'
     OR j->>'tenant' IS DISTINCT FROM NEW.tenant_id::text OR j->>'id' IS DISTINCT FROM NEW.event_id::text
     OR length(t) IS DISTINCT FROM 24 OR substr(t, 11, 1) <> 'T' OR substr(t, 24, 1) <> 'Z'
     OR j->>'action' !~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$' OR length(j->>'action') > 100
     OR j->>'outcome' IS NULL OR j->>'outcome' NOT IN ('success', 'denied', 'error')
     OR jsonb_typeof(actor) IS DISTINCT FROM 'object'
     OR actor->>'kind' IS NULL OR actor->>'kind' NOT IN ('user', 'system', 'anonymous')
     OR (resource IS NOT NULL AND (jsonb_typeof(resource) <> 'object' OR length(resource->>'type') > 50
                                   OR length(resource->>'id') > 200))
     OR length(j->'source'->>'ip') > 64 THEN
    RAISE EXCEPTION 'audit entry does not match the event schema' USING ERRCODE = 'check_violation';
  END IF;
  NEW.event_time := t::timestamptz;
  NEW.action := j->>'action';
  NEW.outcome := j->>'outcome';
  NEW.actor_kind := actor->>'kind';
  NEW.actor_id := (actor->>'id')::uuid;
  NEW.api_key_id := (actor->>'apiKeyId')::uuid;
  NEW.resource_type := resource->>'type';
  NEW.resource_id := resource->>'id';
  NEW.ip := j->'source'->>'ip';
  RETURN NEW;
END
$fn$;
CREATE TRIGGER audit_outbox_check BEFORE INSERT ON "audit_outbox"
  FOR EACH ROW EXECUTE FUNCTION arca_audit_outbox_check();

-- Append-only: UPDATE, DELETE and TRUNCATE are refused even for the owner (a superuser can still switch triggers
-- off; the Merkle checks catch that).
CREATE FUNCTION arca_audit_forbid() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit log is append-only: % on % rejected', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$fn$;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['audit_entries', 'audit_nodes', 'audit_checkpoints', 'audit_log_keys'] LOOP
    -- Statement-level, so even a statement that matches no row is refused.
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION arca_audit_forbid()',
                   t || '_append_only', t);
  END LOOP;
END $$;
-- The outbox only loses rows to the sequencer; nothing rewrites it.
CREATE TRIGGER audit_outbox_append_only BEFORE UPDATE OR TRUNCATE ON "audit_outbox"
  FOR EACH STATEMENT EXECUTE FUNCTION arca_audit_forbid();

-- Row-level security, as for every tenant table.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['audit_outbox', 'audit_entries', 'audit_nodes', 'audit_heads', 'audit_checkpoints',
                           'audit_log_keys', 'audit_pii', 'audit_alerts', 'audit_key_networks'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    -- The sequencer functions run as the migrating role; FORCE would otherwise hide other tenants' rows from it
    -- when that role is not a superuser.
    IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
      EXECUTE format('CREATE POLICY sequencer ON %I TO %I USING (true) WITH CHECK (true)', t, current_user);
    END IF;
  END LOOP;
END $$;

-- Root of a compact range (perfect-subtree roots, largest first): fold right to left. Empty tree: SHA-256("").
CREATE FUNCTION arca_audit_root(p_frontier BYTEA[]) RETURNS BYTEA
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  n INTEGER := coalesce(array_length(p_frontier, 1), 0);
  r BYTEA;
BEGIN
  IF n = 0 THEN RETURN sha256(''::bytea); END IF;
  r := p_frontier[n];
  FOR i IN REVERSE n - 1 .. 1 LOOP
    r := sha256('\x01'::bytea || p_frontier[i] || r);
  END LOOP;
  RETURN r;
END
$fn$;

-- The sequencer: claims up to p_limit outbox rows (oldest first), appends them to their tenants' logs and returns
-- what it appended. One caller at a time (transaction-level advisory lock). Crash-safe: it all happens in the
-- caller's transaction. Set-based per tenant: one statement hashes the leaves, one inserts the entries; only the
-- compact-range fold loops.
CREATE FUNCTION arca_audit_sequence(p_limit INTEGER)
RETURNS TABLE (tenant_id UUID, seq BIGINT, event_time TIMESTAMPTZ, action TEXT, outcome TEXT, actor_kind TEXT,
               actor_id UUID, api_key_id UUID, resource_type TEXT, resource_id TEXT, ip TEXT)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
  t RECORD;
  n0 BIGINT;
  n BIGINT;
  front BYTEA[];
  leaves BYTEA[];
  node BYTEA;
  lvl INTEGER;
  last INTEGER;
  node_levels SMALLINT[];
  node_idx BIGINT[];
  node_hashes BYTEA[];
  at TIMESTAMPTZ := clock_timestamp();
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
    RAISE EXCEPTION 'p_limit must be between 1 and 10000' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock(72707370); -- one sequencer at a time; a concurrent caller waits its turn
  FOR t IN
    WITH claimed AS (
      DELETE FROM audit_outbox o
       WHERE o.id IN (SELECT q.id FROM audit_outbox q ORDER BY q.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
      RETURNING o.*)
    SELECT c.tenant_id,
           array_agg(c.event_id ORDER BY c.id) AS event_ids, array_agg(c.entry ORDER BY c.id) AS entries,
           array_agg(c.event_time ORDER BY c.id) AS times, array_agg(c.action ORDER BY c.id) AS actions,
           array_agg(c.outcome ORDER BY c.id) AS outcomes, array_agg(c.actor_kind ORDER BY c.id) AS actor_kinds,
           array_agg(c.actor_id ORDER BY c.id) AS actor_ids, array_agg(c.api_key_id ORDER BY c.id) AS api_key_ids,
           array_agg(c.resource_type ORDER BY c.id) AS resource_types,
           array_agg(c.resource_id ORDER BY c.id) AS resource_ids, array_agg(c.ip ORDER BY c.id) AS ips
      FROM claimed c
     -- An event id that is already in the log (a replayed row) is dropped, never a reason to stall the log.
     WHERE NOT EXISTS (SELECT 1 FROM audit_entries e WHERE e.event_id = c.event_id)
     GROUP BY c.tenant_id ORDER BY c.tenant_id
  LOOP
    INSERT INTO audit_heads AS h (tenant_id, root) VALUES (t.tenant_id, sha256(''::bytea)) ON CONFLICT DO NOTHING;
    SELECT h.size, h.frontier INTO n0, front FROM audit_heads h WHERE h.tenant_id = t.tenant_id FOR UPDATE;
    SELECT array_agg(sha256('\x00'::bytea || u.e) ORDER BY u.ord) INTO leaves
      FROM unnest(t.entries) WITH ORDINALITY AS u(e, ord);
    INSERT INTO audit_entries (tenant_id, seq, event_id, entry, leaf_hash, sequenced_at, event_time, action, outcome,
                               actor_kind, actor_id, api_key_id, resource_type, resource_id, ip)
    SELECT t.tenant_id, n0 + u.ord - 1, u.event_id, u.entry, u.leaf, at, u.event_time, u.action, u.outcome,
           u.actor_kind, u.actor_id, u.api_key_id, u.resource_type, u.resource_id, u.ip
      FROM unnest(t.event_ids, t.entries, leaves, t.times, t.actions, t.outcomes, t.actor_kinds, t.actor_ids,
                  t.api_key_ids, t.resource_types, t.resource_ids, t.ips)
           WITH ORDINALITY AS u(event_id, entry, leaf, event_time, action, outcome, actor_kind, actor_id, api_key_id,
                                resource_type, resource_id, ip, ord);
    -- Fold the leaves into the compact range; every completed subtree of height 8k is kept for proofs.
    n := n0;
    node_levels := '{}'; node_idx := '{}'; node_hashes := '{}';
    FOR i IN 1 .. array_length(leaves, 1) LOOP
      node := leaves[i];
      lvl := 0;
      WHILE ((n >> lvl) & 1) = 1 LOOP
        last := array_length(front, 1);
        node := sha256('\x01'::bytea || front[last] || node);
        front := front[1:last - 1];
        lvl := lvl + 1;
        IF lvl % 8 = 0 THEN
          node_levels := node_levels || lvl::smallint;
          node_idx := node_idx || (((n + 1) >> lvl) - 1);
          node_hashes := node_hashes || node;
        END IF;
      END LOOP;
      front := front || node;
      n := n + 1;
    END LOOP;
    IF array_length(node_hashes, 1) > 0 THEN
      INSERT INTO audit_nodes (tenant_id, level, idx, hash)
      SELECT t.tenant_id, u.l, u.i, u.h FROM unnest(node_levels, node_idx, node_hashes) AS u(l, i, h);
    END IF;
    UPDATE audit_heads h SET size = n, frontier = front, root = arca_audit_root(front), updated_at = at
     WHERE h.tenant_id = t.tenant_id;
    RETURN QUERY
      SELECT t.tenant_id, n0 + u.ord - 1, u.event_time, u.action::text, u.outcome::text, u.actor_kind::text,
             u.actor_id, u.api_key_id, u.resource_type::text, u.resource_id::text, u.ip::text
        FROM unnest(t.times, t.actions, t.outcomes, t.actor_kinds, t.actor_ids, t.api_key_ids, t.resource_types,
                    t.resource_ids, t.ips)
             WITH ORDINALITY AS u(event_time, action, outcome, actor_kind, actor_id, api_key_id, resource_type,
                                  resource_id, ip, ord);
  END LOOP;
END
$fn$;

-- Tenants whose log has grown since its last checkpoint, with the tenant slug for the log origin.
CREATE FUNCTION arca_audit_pending_checkpoints(p_limit INTEGER)
RETURNS TABLE (tenant_id UUID, tenant_slug TEXT, size BIGINT, root BYTEA)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
  SELECT h.tenant_id, t.slug::text, h.size, h.root
    FROM audit_heads h JOIN tenants t ON t.id = h.tenant_id
   WHERE h.size > h.checkpoint_size
   ORDER BY h.updated_at
   LIMIT least(greatest(p_limit, 1), 10000)
$fn$;

-- Stores a signed checkpoint. Sizes only grow; a checkpoint of the current size must carry the current root.
CREATE FUNCTION arca_audit_store_checkpoint(p_tenant_id UUID, p_size BIGINT, p_root BYTEA, p_note TEXT)
RETURNS BOOLEAN
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
  h audit_heads%ROWTYPE;
BEGIN
  SELECT * INTO h FROM audit_heads WHERE tenant_id = p_tenant_id FOR UPDATE;
  IF NOT FOUND OR p_size > h.size OR (p_size = h.size AND p_root <> h.root) THEN
    RAISE EXCEPTION 'checkpoint does not match the log head' USING ERRCODE = 'check_violation';
  END IF;
  IF p_size <= h.checkpoint_size THEN RETURN false; END IF;
  INSERT INTO audit_checkpoints (tenant_id, size, root, note) VALUES (p_tenant_id, p_size, p_root, p_note);
  UPDATE audit_heads SET checkpoint_size = p_size WHERE tenant_id = p_tenant_id;
  RETURN true;
END
$fn$;

-- Privileges: the application appends to the outbox, reads its own tenant's log, and calls the sequencer.
GRANT INSERT ON "audit_outbox" TO arca_app;
GRANT USAGE ON SEQUENCE "audit_outbox_id_seq" TO arca_app;
GRANT SELECT ON "audit_entries", "audit_nodes", "audit_heads", "audit_checkpoints" TO arca_app;
GRANT SELECT, INSERT ON "audit_log_keys", "audit_alerts", "audit_key_networks" TO arca_app;
GRANT SELECT, INSERT, DELETE ON "audit_pii" TO arca_app;
REVOKE ALL ON FUNCTION arca_audit_sequence(INTEGER) FROM PUBLIC;
REVOKE ALL ON FUNCTION arca_audit_pending_checkpoints(INTEGER) FROM PUBLIC;
REVOKE ALL ON FUNCTION arca_audit_store_checkpoint(UUID, BIGINT, BYTEA, TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arca_audit_sequence(INTEGER) TO arca_app;
GRANT EXECUTE ON FUNCTION arca_audit_pending_checkpoints(INTEGER) TO arca_app;
GRANT EXECUTE ON FUNCTION arca_audit_store_checkpoint(UUID, BIGINT, BYTEA, TEXT) TO arca_app;
