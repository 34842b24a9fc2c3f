-- Keyset cursors carry JavaScript dates (millisecond precision). Columns used as cursor keys are stored with the
-- same precision, so a row written with microseconds (raw SQL, column default, backfill) can never be skipped or
-- repeated by pagination.
ALTER TABLE "models" ALTER COLUMN "created_at" SET DATA TYPE TIMESTAMPTZ(3);
ALTER TABLE "memberships" ALTER COLUMN "created_at" SET DATA TYPE TIMESTAMPTZ(3);
