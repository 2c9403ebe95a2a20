-- Nothing reads usage_actor_hour.requests (reports count distinct actors), and keeping it made every
-- repeated actor an UPDATE; ingest now inserts a missing (hour, ..., actor) row and otherwise does
-- nothing.
ALTER TABLE usage_actor_hour DROP COLUMN requests;
