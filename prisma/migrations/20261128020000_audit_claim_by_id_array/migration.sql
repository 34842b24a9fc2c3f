-- The sequencer's claim of outbox rows must not depend on the outbox's statistics. audit_outbox is a queue: its size
-- swings between empty and tens of thousands of rows within seconds, and autovacuum analyzes it whenever. Analyzed
-- while nearly empty, it is estimated at one row, and the old claim, `DELETE … WHERE id IN (SELECT id … LIMIT n
-- FOR UPDATE SKIP LOCKED)`, was planned as a nested-loop semi join with a join filter: every outbox row compared
-- with every claimed id. Under load one batch then took 2–3.5 s (auto_explain in `npm run bench -- audit`: 3 472 ms
-- right after "automatic analyze of table audit_outbox"), and the checkpoint delay p99 went past 6 s. Now the ids
-- are claimed first (always an index scan: ORDER BY the primary key, LIMIT) and deleted with `id = ANY(claim)`,
-- planned for each call with the claimed ids (custom plans, as 20261128000000_audit_sequence_custom_plans set and
-- this definition keeps). Everything else is unchanged from 20261127040000_audit_log.
CREATE OR REPLACE FUNCTION arca_audit_sequence(p_limit INTEGER)
RETURNS TABLE (tenant_id UUID, seq BIGINT, event_time TIMESTAMPTZ, action TEXT, outcome TEXT, actor_kind TEXT,
               actor_id UUID, api_key_id UUID, resource_type TEXT, resource_id TEXT, ip TEXT)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp SET plan_cache_mode = force_custom_plan AS $fn$
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
  claim BIGINT[];
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
    RAISE EXCEPTION 'p_limit must be between 1 and 10000' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock(72707370); -- one sequencer at a time; a concurrent caller waits its turn
  -- Claim the ids first (the primary key's order, LIMIT), then delete exactly those: the DELETE is planned with
  -- the claimed ids in hand, whatever the statistics of this queue table say.
  SELECT array_agg(q.id ORDER BY q.id) INTO claim
    FROM (SELECT o.id FROM audit_outbox o ORDER BY o.id LIMIT p_limit FOR UPDATE SKIP LOCKED) q;
  IF claim IS NULL THEN RETURN; END IF;
  FOR t IN
    WITH claimed AS (
      DELETE FROM audit_outbox o WHERE o.id = ANY (claim)
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
