-- Since V16 a user/conversation row may be stored more than once in an hour (another replica, a
-- restart, or the remembered set's bound missed it). Counts are unaffected; storage is not. Once an
-- hour is closed, ActorCompaction deletes the repeats, keeping each row's first copy in place (so
-- the table stays in hour order for its BRIN index), and records the hour here: one row per hour,
-- claimed with ON CONFLICT DO NOTHING so that replicas never compact the same hour at once.
CREATE TABLE usage_actor_compaction (
    hour         timestamptz PRIMARY KEY,
    compacted_at timestamptz NOT NULL,
    rows_removed bigint      NOT NULL DEFAULT 0
);
