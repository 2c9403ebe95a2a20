-- Shadow evaluation (cost-service README, "Quality loop"): the router registers a sampled request with the answer it
-- served, batch-service replays it against the route's reference model and delivers the reference
-- answer by signed webhook, and cost-service judges the two. One row per sampled request.
CREATE TABLE shadow_request (
    shadow_id       uuid        PRIMARY KEY,
    request_id      text        NOT NULL,
    tenant          text        NOT NULL,
    route           text        NOT NULL,
    reason          text        NOT NULL CHECK (reason IN ('cache-exact', 'cache-semantic', 'routed-down')),
    served_model    text,
    reference_model text        NOT NULL,
    served_answer   text        NOT NULL,
    registered_at   timestamptz NOT NULL DEFAULT now(),
    -- set once, by the first authentic delivery: batch-service's job id
    job_id          text,
    completed_at    timestamptz,
    outcome         text        CHECK (outcome IN ('judged', 'failed')),
    similarity      double precision
);

CREATE INDEX shadow_request_registered_idx ON shadow_request (registered_at);

-- The replays' own usage (request id ending ':shadow'): real, billed spend, kept out of usage_rollup
-- and usage_actor_hour so that no client-facing metric counts them as requests; tenant spend and the
-- overview's shadow-evaluation line read them from here.
CREATE TABLE usage_shadow_hour (
    hour          timestamptz NOT NULL,
    tenant        text        NOT NULL,
    route         text        NOT NULL,
    model         text        NOT NULL,
    mode          text        NOT NULL,
    requests      bigint      NOT NULL,
    input_tokens  bigint      NOT NULL,
    output_tokens bigint      NOT NULL,
    cost_usd      numeric     NOT NULL,
    PRIMARY KEY (hour, tenant, route, model, mode)
);
