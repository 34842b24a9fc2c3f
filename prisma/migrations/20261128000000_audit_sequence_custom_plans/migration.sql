-- The sequencer's claim must never plan a scan of the whole log. PL/pgSQL caches the plans of
-- arca_audit_sequence's statements and may switch to a generic plan, in which `LIMIT p_limit` is unknown and
-- estimated as a tenth of audit_outbox (whatever its statistics said last). With such an estimate, the check that
-- drops replayed events (`NOT EXISTS (SELECT 1 FROM audit_entries e WHERE e.event_id = c.event_id)`) becomes a
-- hash anti join over a sequential scan of audit_entries: every batch then reads the entire log, and as the log
-- grows the batch exceeds the statement timeout, over and over, while the backlog grows (seen once in
-- `npm run bench -- audit`: about 45 s of timeouts with ~100k entries). Custom plans use the real limit and probe
-- audit_entries_event_id_key per claimed row. Planning each batch costs about a millisecond.
ALTER FUNCTION arca_audit_sequence(INTEGER) SET plan_cache_mode = force_custom_plan;
