-- Reads of user/conversation rows with and without usage_actor's old primary key (BENCHMARKS.md,
-- "Ingest on 2026-12-07 (stop 24)"). Self-contained: builds its own tables (sc, ra, rb) in the
-- database it runs in, so run it against a scratch PostgreSQL, never a deployment's database:
--   psql -h 127.0.0.1 -p <port> -U postgres -d postgres -f cost-service/bench/actor-reads.sql
-- ra has the old key (hour, scope, kind, actor_key); rb has V16's shape (no key, BRIN on hour) with
-- a tenth of its rows stored twice. va and vb are usage_actor_hour's view over each. The queries
-- are RollupReader's.
\set QUIET on
DROP VIEW IF EXISTS va, vb; DROP TABLE IF EXISTS sc, ra, rb;
CREATE TABLE sc (scope int8 PRIMARY KEY, tenant text, app text, route text, model text);
INSERT INTO sc SELECT s, 'tenant-' || (s % 20), 'app-' || (s / 20 % 3), 'route-' || (s / 60 % 5), 'model-' || (s / 300) FROM generate_series(0, 1199) s;
-- 6 hours x 400,000 rows, in hour order as ingest appends them
CREATE TABLE ra (hour timestamptz NOT NULL, scope int8 NOT NULL, kind int2 NOT NULL, actor_key int8 NOT NULL, PRIMARY KEY (hour, scope, kind, actor_key));
CREATE TABLE rb (hour timestamptz NOT NULL, scope int8 NOT NULL, kind int2 NOT NULL, actor_key int8 NOT NULL);
CREATE INDEX ON rb USING brin (hour);
INSERT INTO ra SELECT DISTINCT timestamptz '2026-12-07 00:00Z' + (g / 400000) * interval '1 hour', (random()*1199)::int8, (1 + (random() > 0.5)::int)::int2, (random()*2000)::int8 FROM generate_series(0, 2399999) g ON CONFLICT DO NOTHING;
-- the same rows, and a tenth of them again (appended twice by another replica)
INSERT INTO rb SELECT * FROM ra ORDER BY hour;
INSERT INTO rb SELECT * FROM ra TABLESAMPLE BERNOULLI (10) ORDER BY hour;
VACUUM ANALYZE sc, ra, rb;
CREATE VIEW va AS SELECT a.hour, s.tenant, s.app, s.route, s.model, a.kind, a.actor_key FROM ra a JOIN sc s ON s.scope = a.scope;
CREATE VIEW vb AS SELECT a.hour, s.tenant, s.app, s.route, s.model, a.kind, a.actor_key FROM rb a JOIN sc s ON s.scope = a.scope;
SELECT (SELECT count(*) FROM ra) ra_rows, (SELECT count(*) FROM rb) rb_rows, pg_size_pretty(pg_total_relation_size('ra')) ra_size, pg_size_pretty(pg_total_relation_size('rb')) rb_size;
\timing on
\echo one tenant, 2 of 6 hours: PK
SELECT route, kind, count(DISTINCT (tenant, actor_key)) FROM va WHERE hour >= '2026-12-07 02:00Z' AND hour < '2026-12-07 04:00Z' AND tenant = 'tenant-7' GROUP BY route, kind ORDER BY 1, 2;
\echo one tenant, 2 of 6 hours: BRIN, a tenth stored twice
SELECT route, kind, count(DISTINCT (tenant, actor_key)) FROM vb WHERE hour >= '2026-12-07 02:00Z' AND hour < '2026-12-07 04:00Z' AND tenant = 'tenant-7' GROUP BY route, kind ORDER BY 1, 2;
\echo all tenants, 6 hours: PK
SELECT kind, count(DISTINCT (tenant, actor_key)) FROM va WHERE hour >= '2026-12-07 00:00Z' AND hour < '2026-12-08 00:00Z' GROUP BY kind;
\echo all tenants, 6 hours: BRIN
SELECT kind, count(DISTINCT (tenant, actor_key)) FROM vb WHERE hour >= '2026-12-07 00:00Z' AND hour < '2026-12-08 00:00Z' GROUP BY kind;
\echo again, one tenant: PK, BRIN
SELECT route, kind, count(DISTINCT (tenant, actor_key)) FROM va WHERE hour >= '2026-12-07 02:00Z' AND hour < '2026-12-07 04:00Z' AND tenant = 'tenant-7' GROUP BY route, kind ORDER BY 1, 2;
SELECT route, kind, count(DISTINCT (tenant, actor_key)) FROM vb WHERE hour >= '2026-12-07 02:00Z' AND hour < '2026-12-07 04:00Z' AND tenant = 'tenant-7' GROUP BY route, kind ORDER BY 1, 2;
\timing off
EXPLAIN SELECT route, kind, count(DISTINCT (tenant, actor_key)) FROM vb WHERE hour >= '2026-12-07 02:00Z' AND hour < '2026-12-07 04:00Z' AND tenant = 'tenant-7' GROUP BY route, kind;
