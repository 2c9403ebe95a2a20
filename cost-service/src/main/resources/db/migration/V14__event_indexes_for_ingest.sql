-- Two of the five indexes every stored event added, measured as about a fifth of PostgreSQL's CPU
-- at ingest (IngestLoadHarness):
--
-- * The primary key (event_id, occurred_at): event ids are random UUIDs, so each insert landed on a
--   random leaf page. It guarded nothing the idempotency table cost.usage_event_key does not
--   already guard (one row per event_id, claimed in the same transaction), and the only lookup by
--   it was re-pricing's update of a row it had just selected, which now names the row by its
--   partition and ctid. A deployment replicating this table logically needs REPLICA IDENTITY FULL.
-- * The B-tree on occurred_at: events arrive in about time order, so a BRIN index (a summary per
--   block range, next to nothing to maintain) serves the same range scans (re-pricing, retention).
ALTER TABLE usage_event DROP CONSTRAINT usage_event_pkey;
DROP INDEX usage_event_occurred_at_idx;
CREATE INDEX usage_event_occurred_at_brin ON usage_event USING brin (occurred_at);
