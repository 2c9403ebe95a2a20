-- What the router's learned classifier saw for a sample of requests (cost-service README, "Routing
-- samples"): joined with quality_verdict on request_id, they are the training data of the router's
-- next model. The prompt's text is kept only for routes that opt in; otherwise only derived numbers.
CREATE TABLE routing_sample (
    request_id     text             PRIMARY KEY,
    tenant         text             NOT NULL,
    route          text             NOT NULL,
    router_version text             NOT NULL,
    served_tier    smallint         NOT NULL CHECK (served_tier IN (0, 1)),
    explored       boolean          NOT NULL,
    propensity     double precision NOT NULL CHECK (propensity > 0 AND propensity <= 1),
    -- little-endian float32 values, 4 bytes per dimension
    embedding      bytea            NOT NULL,
    features       double precision[] NOT NULL,
    prompt         text,
    recorded_at    timestamptz      NOT NULL DEFAULT now()
);

CREATE INDEX routing_sample_route_recorded_idx ON routing_sample (route, recorded_at);
CREATE INDEX routing_sample_recorded_idx ON routing_sample (recorded_at);
