-- What ActorCompaction's delete costs on one busy hour (BENCHMARKS.md, "Actor-row compaction").
-- Run with psql against a scratch database on PostgreSQL 14: a usage_actor-shaped table with a
-- BRIN index on hour, three hours of 800,000 distinct rows each in hour order, 200,000 repeats of
-- the middle hour's rows among them (as other replicas and restarts would store them), then the
-- middle hour compacted with the same statement the service runs, twice.
\set QUIET on
DROP TABLE IF EXISTS bench_actor;
CREATE TABLE bench_actor (hour timestamptz NOT NULL, scope bigint NOT NULL, kind smallint NOT NULL,
                          actor_key bigint NOT NULL);
INSERT INTO bench_actor
SELECT timestamptz '2026-12-07 10:00Z' + (h || ' hours')::interval, (random() * 1000)::int8,
       (1 + (random() > 0.5)::int)::int2, (random() * 9e18)::int8
FROM generate_series(0, 2) h, generate_series(1, 800000) g ORDER BY 1;
-- The middle hour's repeats: 200,000 copies of its own rows, appended in its place in hour order.
CREATE TABLE bench_repeats AS
SELECT * FROM bench_actor WHERE hour = '2026-12-07 11:00Z' ORDER BY random() LIMIT 200000;
CREATE TABLE bench_ordered AS
SELECT * FROM (SELECT * FROM bench_actor UNION ALL SELECT * FROM bench_repeats) u ORDER BY hour;
DROP TABLE bench_actor, bench_repeats;
ALTER TABLE bench_ordered RENAME TO bench_actor;
CREATE INDEX bench_actor_hour_brin ON bench_actor USING brin (hour);
VACUUM ANALYZE bench_actor;
SELECT hour, count(*) AS rows FROM bench_actor GROUP BY hour ORDER BY hour;
\timing on
\echo compaction of the middle hour
DELETE FROM bench_actor
WHERE hour = '2026-12-07 11:00Z' AND ctid = ANY (ARRAY(
  SELECT ctid FROM (
    SELECT ctid, row_number() OVER (PARTITION BY scope, kind, actor_key ORDER BY ctid) AS copy
    FROM bench_actor WHERE hour = '2026-12-07 11:00Z') copies
  WHERE copy > 1));
\echo the same hour again (nothing left to remove)
DELETE FROM bench_actor
WHERE hour = '2026-12-07 11:00Z' AND ctid = ANY (ARRAY(
  SELECT ctid FROM (
    SELECT ctid, row_number() OVER (PARTITION BY scope, kind, actor_key ORDER BY ctid) AS copy
    FROM bench_actor WHERE hour = '2026-12-07 11:00Z') copies
  WHERE copy > 1));
\timing off
SELECT hour, count(*) AS rows FROM bench_actor GROUP BY hour ORDER BY hour;
DROP TABLE bench_actor;
