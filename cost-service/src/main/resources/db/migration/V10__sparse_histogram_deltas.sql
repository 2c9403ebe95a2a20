-- Ingest adds a batch to an existing rollup row's histograms as sparse deltas: the positions
-- (1-based) of the buckets the batch touched and what it adds to each, usually one or two pairs.
-- V4's alternative, a written-out ARRAY[r.h[1] + excluded.h[1], ...], evaluated and sent all 88
-- buckets of both histograms for every row of every batch. PL/pgSQL holds h in expanded form, so
-- each assignment is one element's update.
CREATE FUNCTION add_hist_sparse(h bigint[], positions int[], counts bigint[]) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    FOR i IN 1..coalesce(cardinality(positions), 0) LOOP
        h[positions[i]] := h[positions[i]] + counts[i];
    END LOOP;
    RETURN h;
END;
$$;
