-- The ingest transaction used to upsert every rollup row its batch touched: with traffic spread over
-- many (tenant, app, route, model, mode) rows, each row was rewritten (two 88-bucket histograms and
-- all) once per 2,000-event batch, about half of PostgreSQL's work per event. Now the ingest
-- transaction appends the batch's per-row deltas here, an append-only table without indexes, and
-- RollupStore.fold() moves everything pending into usage_rollup in one transaction (DELETE ...
-- RETURNING, summed, one upsert per row), every second and before anything reads the rollups.
-- Moving and adding in one transaction keeps each event in the rollups exactly once.
--
-- Histograms are sparse: bucket i of input_hist got input_counts[j] requests where
-- input_buckets[j] = i. A delta row may have no histogram at all (a re-pricing's correction).
CREATE TABLE usage_rollup_pending (
    hour                       timestamptz NOT NULL,
    tenant                     text        NOT NULL,
    app                        text        NOT NULL,
    route                      text        NOT NULL,
    model                      text        NOT NULL,
    mode                       text        NOT NULL,
    requests                   bigint      NOT NULL,
    unpriced_requests          bigint      NOT NULL,
    error_requests             bigint      NOT NULL,
    input_tokens               bigint      NOT NULL,
    cached_input_tokens        bigint      NOT NULL,
    cache_write_tokens         bigint      NOT NULL,
    output_tokens              bigint      NOT NULL,
    reasoning_tokens           bigint      NOT NULL,
    uncapped_requests          bigint      NOT NULL,
    uncapped_output_tokens     bigint      NOT NULL,
    cost_usd                   numeric     NOT NULL,
    baseline_usd               numeric     NOT NULL,
    savings_cache_usd          numeric     NOT NULL,
    savings_routing_usd        numeric     NOT NULL,
    savings_prompt_caching_usd numeric     NOT NULL,
    savings_batch_usd          numeric     NOT NULL,
    savings_output_cap_usd     numeric     NOT NULL,
    input_buckets              smallint[]  NOT NULL,
    input_counts               bigint[]    NOT NULL,
    output_buckets             smallint[]  NOT NULL,
    output_counts              bigint[]    NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000,
        autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 20000);
