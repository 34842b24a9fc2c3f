-- Background jobs of the artifacts feature (docs/adr/0007-background-jobs.md: every queue is created by a
-- migration, because the app role has no DDL rights).
--   artifact-validate: validates a finalised version (large models, and a safety net when inline validation was
--                      interrupted by a crash); idempotent: only a `validating` version changes.
--   upload-expire:     aborts an upload still unfinished when its link expires and deletes its segments.
--   tenant-key-rewrap: finishes a tenant KEK rotation (re-wraps the remaining data keys, then destroys the
--                      retired KEK); idempotent and resumable batch by batch.
SELECT pgboss.create_queue('artifact-validate', json_build_object(
  'policy', 'standard', 'retryLimit', 5, 'retryDelay', 30, 'retryBackoff', true, 'expireInSeconds', 3900
));
SELECT pgboss.create_queue('tenant-key-rewrap', json_build_object(
  'policy', 'standard', 'retryLimit', 10, 'retryDelay', 30, 'retryBackoff', true, 'expireInSeconds', 3600
));
SELECT pgboss.create_queue('upload-expire', json_build_object(
  'policy', 'standard', 'retryLimit', 10, 'retryDelay', 60, 'retryBackoff', true, 'expireInSeconds', 900
));
