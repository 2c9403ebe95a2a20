-- Reconciliation with the providers' own usage and cost reports: one row per provider, day, model
-- (by family) and tier (standard or batch), overwritten by each run for that day.
CREATE TABLE reconciliation (
    provider                text        NOT NULL,
    day                     date        NOT NULL,
    model                   text        NOT NULL,
    tier                    text        NOT NULL CHECK (tier IN ('standard', 'batch')),
    recorded_requests       bigint      NOT NULL,
    reported_requests       bigint,
    recorded_input_tokens   bigint      NOT NULL,
    reported_input_tokens   bigint      NOT NULL,
    recorded_cached_tokens  bigint      NOT NULL,
    reported_cached_tokens  bigint      NOT NULL,
    recorded_write_5m       bigint      NOT NULL,
    reported_write_5m       bigint      NOT NULL,
    recorded_write_1h       bigint      NOT NULL,
    reported_write_1h       bigint      NOT NULL,
    recorded_output_tokens  bigint      NOT NULL,
    reported_output_tokens  bigint      NOT NULL,
    recorded_cost_usd       numeric     NOT NULL,
    reported_cost_usd       numeric     NOT NULL,
    recorded_unpriced       bigint      NOT NULL,
    -- (recorded - reported) / reported; null when the provider reported nothing
    token_drift             numeric,
    cost_drift              numeric,
    status                  text        NOT NULL CHECK (status IN ('ok', 'drift')),
    cause                   text,
    detail                  text,
    checked_at              timestamptz NOT NULL,
    PRIMARY KEY (provider, day, model, tier)
);

CREATE INDEX reconciliation_day_idx ON reconciliation (day);
