-- Usage events as received (common's UsageEvent), priced once with the catalog version in force.
--
-- usage_event is range-partitioned by month on occurred_at so that old months can be detached or
-- dropped and rollups can scan one month at a time. PostgreSQL requires every unique constraint of a
-- partitioned table to include the partition key, so the primary key is (event_id, occurred_at) and
-- idempotency on event_id alone is kept by usage_event_key: an event row is written only when its
-- event_id was new there (see UsageEventStore).

CREATE TABLE usage_event_key (
    event_id    uuid        PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    ingested_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE usage_event (
    event_id                   uuid        NOT NULL,
    occurred_at                timestamptz NOT NULL,
    schema_version             integer     NOT NULL,
    request_id                 text,
    tenant                     text        NOT NULL,
    app                        text,
    end_user                   text,
    conversation_id            text,
    route                      text,
    requested_model            text,
    served_model               text,
    provider                   text,
    mode                       text        NOT NULL
        CHECK (mode IN ('sync', 'stream', 'batch', 'cache-exact', 'cache-semantic')),
    input_tokens               bigint      NOT NULL CHECK (input_tokens >= 0),
    cached_input_tokens        bigint      NOT NULL CHECK (cached_input_tokens >= 0),
    cache_write_5m_tokens      bigint      NOT NULL DEFAULT 0 CHECK (cache_write_5m_tokens >= 0),
    cache_write_1h_tokens      bigint      NOT NULL DEFAULT 0 CHECK (cache_write_1h_tokens >= 0),
    output_tokens              bigint      NOT NULL CHECK (output_tokens >= 0),
    reasoning_tokens           bigint      NOT NULL CHECK (reasoning_tokens >= 0),
    requested_max_tokens       bigint,
    applied_max_tokens         bigint,
    latency_ms                 bigint      NOT NULL,
    status                     text        NOT NULL
        CHECK (status IN ('ok', 'error', 'client-disconnected')),
    finish_reason              text,
    -- Money in USD, unrounded (rounding happens once, when a report is served). All null when the
    -- event could not be priced (pricing_status = 'unpriced'): it is kept, not dropped, and can be
    -- priced again once the catalog knows its model.
    cost_usd                   numeric,
    baseline_usd               numeric,
    savings_cache_usd          numeric,
    savings_routing_usd        numeric,
    savings_prompt_caching_usd numeric,
    savings_batch_usd          numeric,
    savings_output_cap_usd     numeric,
    catalog_version            text,
    pricing_status             text        NOT NULL CHECK (pricing_status IN ('priced', 'unpriced')),
    pricing_note               text,
    ingested_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, occurred_at),
    CHECK ((pricing_status = 'priced') = (cost_usd IS NOT NULL AND catalog_version IS NOT NULL))
) PARTITION BY RANGE (occurred_at);

CREATE INDEX usage_event_occurred_at_idx ON usage_event (occurred_at);
CREATE INDEX usage_event_tenant_occurred_at_idx ON usage_event (tenant, occurred_at);

-- Rows outside every monthly partition land here; ensure_usage_event_partition moves them out.
CREATE TABLE usage_event_default PARTITION OF usage_event DEFAULT;

-- Creates the partition for the month containing month_start (UTC) unless it exists, moving any rows
-- of that month out of the default partition first (ATTACH refuses while the default holds them).
-- Safe to call concurrently from several replicas.
CREATE FUNCTION ensure_usage_event_partition(month_start date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    lo    timestamptz := date_trunc('month', month_start::timestamp) AT TIME ZONE 'UTC';
    hi    timestamptz := (date_trunc('month', month_start::timestamp) + interval '1 month') AT TIME ZONE 'UTC';
    part  text        := format('usage_event_%s', to_char(month_start, 'YYYY_MM'));
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('cost.usage_event partitions'));
    IF to_regclass(format('cost.%I', part)) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE cost.%I (LIKE cost.usage_event INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    EXECUTE format(
        'WITH moved AS (DELETE FROM cost.usage_event_default WHERE occurred_at >= %L AND occurred_at < %L RETURNING *)'
        ' INSERT INTO cost.%I SELECT * FROM moved', lo, hi, part);
    EXECUTE format('ALTER TABLE cost.usage_event ATTACH PARTITION cost.%I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    RETURN true;
END;
$$;
