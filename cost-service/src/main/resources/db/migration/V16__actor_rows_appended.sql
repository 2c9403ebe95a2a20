-- Each user/conversation row was inserted with ON CONFLICT DO NOTHING against the primary key
-- (hour, scope, kind, actor_key): a unique-index probe and a speculative insertion (check, insert,
-- confirm) for about two rows per stored event, the largest single statement of ingest in
-- PostgreSQL (IngestLoadHarness). Nothing needs the rows to be unique: every reader counts
-- DISTINCT (tenant, actor_key) over its window (usage_actor_hour), and retention deletes whole
-- hours. So the key goes and ingest appends the rows with COPY. A replica still skips the rows it
-- remembers committing, so a row is written twice only when another replica, a restart or the
-- memory bound misses it: extra storage, never a wrong count.
--
-- Readers select by hour range and join the scope; rows arrive in about hour order, so a BRIN
-- index on hour (a summary per block range, next to nothing to maintain) serves them.
ALTER TABLE usage_actor DROP CONSTRAINT usage_actor_pkey;
CREATE INDEX usage_actor_hour_brin ON usage_actor USING brin (hour);
