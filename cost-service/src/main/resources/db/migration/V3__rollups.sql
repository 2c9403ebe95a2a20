-- Hourly rollups maintained at ingest, in the transaction that stores the events and only for events
-- that were new, so that reports read these tables and never scan usage_event.
--
-- Empty strings stand for a missing app, route or model: they take part in the primary key, which
-- cannot hold nulls.
CREATE TABLE usage_rollup (
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
    -- Requests whose output Tokenwise did not cap below the client's own limit, and their output:
    -- the route's measured uncapped output length.
    uncapped_requests          bigint      NOT NULL,
    uncapped_output_tokens     bigint      NOT NULL,
    cost_usd                   numeric     NOT NULL,
    baseline_usd               numeric     NOT NULL,
    savings_cache_usd          numeric     NOT NULL,
    savings_routing_usd        numeric     NOT NULL,
    savings_prompt_caching_usd numeric     NOT NULL,
    savings_batch_usd          numeric     NOT NULL,
    savings_output_cap_usd     numeric     NOT NULL,
    -- Requests per token-count bucket (see TokenHistogram): bucket 0 holds 0 tokens, bucket i >= 1
    -- holds [2^((i-1)/4), 2^(i/4)) tokens, the last bucket everything above.
    input_hist                 bigint[]    NOT NULL,
    output_hist                bigint[]    NOT NULL,
    PRIMARY KEY (hour, tenant, app, route, model, mode)
);

CREATE INDEX usage_rollup_route_hour_idx ON usage_rollup (route, hour);

-- Distinct end users and conversations per hour, so "cost per active user / per conversation" counts
-- distinct ids from here instead of from raw events. kind: 'user' or 'conversation'.
CREATE TABLE usage_actor_hour (
    hour     timestamptz NOT NULL,
    tenant   text        NOT NULL,
    app      text        NOT NULL,
    route    text        NOT NULL,
    model    text        NOT NULL,
    kind     text        NOT NULL CHECK (kind IN ('user', 'conversation')),
    actor    text        NOT NULL,
    requests bigint      NOT NULL,
    PRIMARY KEY (hour, tenant, app, route, model, kind, actor)
);

-- Element-wise sum of two histograms of the same length (a missing element counts as 0).
CREATE FUNCTION add_hist(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i), '{}')
    FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$;

-- Sums histograms across rows.
CREATE AGGREGATE sum_hist(bigint[]) (SFUNC = add_hist, STYPE = bigint[], INITCOND = '{}');

-- Feedback can name only a request id; this finds its event (and so its route).
CREATE INDEX usage_event_request_id_idx ON usage_event (request_id);

-- Re-pricing an interval after a catalog correction: who asked, why, and what changed.
CREATE TABLE reprice_audit (
    id                 bigserial   PRIMARY KEY,
    requested_at       timestamptz NOT NULL DEFAULT now(),
    from_at            timestamptz NOT NULL,
    to_at              timestamptz NOT NULL,
    reason             text        NOT NULL,
    requested_by       text,
    catalog_versions   text        NOT NULL,
    events_examined    bigint      NOT NULL,
    events_changed     bigint      NOT NULL,
    cost_before_usd    numeric     NOT NULL,
    cost_after_usd     numeric     NOT NULL,
    baseline_before_usd numeric    NOT NULL,
    baseline_after_usd numeric     NOT NULL
);

-- Quality verdicts: explicit feedback and shadow evaluations, one per (request, source).
CREATE TABLE quality_verdict (
    request_id  text        NOT NULL,
    source      text        NOT NULL CHECK (source IN ('feedback', 'shadow')),
    tenant      text,
    route       text,
    verdict     text        NOT NULL CHECK (verdict IN ('good', 'bad')),
    similarity  double precision,
    judge       text,
    comment     text,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, source)
);

CREATE INDEX quality_verdict_route_received_idx ON quality_verdict (route, received_at);
