-- Users and conversations per (hour, scope, kind) were one row each in usage_actor, inserted by the
-- ingest transaction with ON CONFLICT DO NOTHING: about two index insertions per event, a quarter of
-- PostgreSQL's work per event. Now each set is one row holding its sorted, distinct 64-bit keys:
--
-- * the ingest transaction appends a batch's keys to its pending rollup rows (two array columns of
--   usage_rollup_pending), so they commit or roll back with the events that brought them;
-- * the fold (RollupStore.fold) unions them into usage_actor_set, one upsert per set it touched.
--
-- usage_actor_hour keeps its columns (one row per actor), so reports read it as before. Readers fold
-- first, as they already do for the rollups.
ALTER TABLE usage_rollup_pending
    ADD COLUMN users         bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN conversations bigint[] NOT NULL DEFAULT '{}';

CREATE TABLE usage_actor_set (
    hour       timestamptz NOT NULL,
    scope      bigint      NOT NULL,
    kind       smallint    NOT NULL CHECK (kind IN (1, 2)),
    actor_keys bigint[]    NOT NULL,
    PRIMARY KEY (hour, scope, kind)
);

INSERT INTO usage_actor_set (hour, scope, kind, actor_keys)
SELECT hour, scope, kind, array_agg(actor_key ORDER BY actor_key)
FROM usage_actor
GROUP BY hour, scope, kind;

DROP VIEW usage_actor_hour;
DROP TABLE usage_actor;

CREATE VIEW usage_actor_hour AS
SELECT a.hour, s.tenant, s.app, s.route, s.model,
       CASE a.kind WHEN 1 THEN 'user' ELSE 'conversation' END AS kind, k.actor_key
FROM usage_actor_set a
JOIN usage_actor_scope s ON s.scope = a.scope
CROSS JOIN LATERAL unnest(a.actor_keys) AS k(actor_key);

-- The sorted, distinct union of two key sets.
CREATE FUNCTION union_keys(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT DISTINCT k FROM unnest(a || b) AS k ORDER BY k)
$$;
