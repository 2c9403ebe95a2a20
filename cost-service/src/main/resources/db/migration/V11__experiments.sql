-- Route experiments (cost-service README, "Experiments"): the experiment and arm that served a
-- request, and the version of the learned routing model that chose its tier. All three are null for
-- events from before this migration and from producers that do not set them. Columns added to the
-- partitioned parent are added to every partition, the default one included, and partitions created
-- later (ensure_usage_event_partition copies the parent) have them too. A nullable column without a
-- default is a catalog change only: no partition is rewritten.
ALTER TABLE usage_event
    ADD COLUMN experiment     text,
    ADD COLUMN arm            text,
    ADD COLUMN router_version text;

-- The experiments report reads one experiment's events over a window. Only experiment traffic is
-- indexed, so the index stays small and ingest of ordinary events does not maintain it.
CREATE INDEX usage_event_experiment_idx ON usage_event (experiment, occurred_at)
    WHERE experiment IS NOT NULL;
