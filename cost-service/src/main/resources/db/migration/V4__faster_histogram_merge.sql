-- V3's add_hist was a SQL function over unnest/array_agg, which PostgreSQL re-plans on every
-- statement that calls it. Ingest now merges histograms inline in its upsert (RollupStore); add_hist
-- remains the state function of sum_hist, which reports use, and a PL/pgSQL loop keeps its plan for
-- the session.
CREATE OR REPLACE FUNCTION add_hist(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    r bigint[] := a;
    n int;
BEGIN
    IF a IS NULL OR cardinality(a) = 0 THEN
        RETURN b;
    END IF;
    IF b IS NULL OR cardinality(b) = 0 THEN
        RETURN a;
    END IF;
    n := greatest(cardinality(a), cardinality(b));
    FOR i IN 1..n LOOP
        r[i] := coalesce(a[i], 0) + coalesce(b[i], 0);
    END LOOP;
    RETURN r;
END;
$$;
