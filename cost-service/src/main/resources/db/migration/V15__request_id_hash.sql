-- request_id is only ever looked up by equality (a verdict or a shadow evaluation finding its
-- event). Its B-tree compared random request ids under the database's collation (strcoll, about
-- twenty comparisons per inserted event); a hash index hashes the id once and adds it to a bucket,
-- and serves the same equality lookups and joins. NULL ids (events without one) are not indexed,
-- which no lookup needs.
DROP INDEX usage_event_request_id_idx;
CREATE INDEX usage_event_request_id_hash ON usage_event USING hash (request_id);
