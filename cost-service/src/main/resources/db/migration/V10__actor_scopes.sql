-- Distinct users and conversations were kept as one row per (hour, tenant, app, route, model, kind,
-- actor_key): a primary key of five text columns, compared collation-aware on every insert, for
-- roughly two new rows per ingested event. The four text dimensions move to a small table of their
-- own, keyed by a 64-bit hash of them (the "scope", as RollupStore computes it), so that each
-- actor row and its primary-key entry are fixed-width: (hour, scope, kind, actor_key).
CREATE TABLE usage_actor_scope (
    scope  bigint PRIMARY KEY,
    tenant text   NOT NULL,
    app    text   NOT NULL,
    route  text   NOT NULL,
    model  text   NOT NULL
);

-- kind: 1 = end user, 2 = conversation.
CREATE TABLE usage_actor (
    hour      timestamptz NOT NULL,
    scope     bigint      NOT NULL,
    kind      smallint    NOT NULL CHECK (kind IN (1, 2)),
    actor_key bigint      NOT NULL,
    PRIMARY KEY (hour, scope, kind, actor_key)
);

-- The scope of existing rows: the first 8 bytes of the MD5 of each dimension's UTF-8 length, ':'
-- and the dimension, concatenated (length-prefixed, so no two scopes share a string).
CREATE FUNCTION actor_scope(tenant text, app text, route text, model text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ('x' || substr(md5(octet_length(tenant) || ':' || tenant || octet_length(app) || ':' || app
                              || octet_length(route) || ':' || route || octet_length(model) || ':'
                              || model), 1, 16))::bit(64)::bigint
$$;

INSERT INTO usage_actor_scope (scope, tenant, app, route, model)
SELECT DISTINCT actor_scope(tenant, app, route, model), tenant, app, route, model
FROM usage_actor_hour
ON CONFLICT (scope) DO NOTHING;

INSERT INTO usage_actor (hour, scope, kind, actor_key)
SELECT hour, actor_scope(tenant, app, route, model), CASE kind WHEN 'user' THEN 1 ELSE 2 END,
       actor_key
FROM usage_actor_hour
ON CONFLICT DO NOTHING;

DROP TABLE usage_actor_hour;

-- What reports read: the old table's shape.
CREATE VIEW usage_actor_hour AS
SELECT a.hour, s.tenant, s.app, s.route, s.model,
       CASE a.kind WHEN 1 THEN 'user' ELSE 'conversation' END AS kind, a.actor_key
FROM usage_actor a JOIN usage_actor_scope s ON s.scope = a.scope;
