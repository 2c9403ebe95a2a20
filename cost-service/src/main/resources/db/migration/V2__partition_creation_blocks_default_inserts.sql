-- V1's ensure_usage_event_partition could fail when an event for the month being created was
-- inserted into the default partition between the move and the ATTACH (ATTACH then finds the row
-- and refuses). Holding EXCLUSIVE on the default partition for the whole call makes such inserts
-- wait while reads go on; an insert already routed to the default partition then fails its
-- partition check and the consumer's one-event-at-a-time retry routes it to the new partition.
CREATE OR REPLACE FUNCTION ensure_usage_event_partition(month_start date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    lo    timestamptz := date_trunc('month', month_start::timestamp) AT TIME ZONE 'UTC';
    hi    timestamptz := (date_trunc('month', month_start::timestamp) + interval '1 month') AT TIME ZONE 'UTC';
    part  text        := format('usage_event_%s', to_char(month_start, 'YYYY_MM'));
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('cost.usage_event partitions'));
    IF to_regclass(format('cost.%I', part)) IS NOT NULL THEN
        RETURN false;
    END IF;
    LOCK TABLE cost.usage_event_default IN EXCLUSIVE MODE;
    EXECUTE format('CREATE TABLE cost.%I (LIKE cost.usage_event INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    EXECUTE format(
        'WITH moved AS (DELETE FROM cost.usage_event_default WHERE occurred_at >= %L AND occurred_at < %L RETURNING *)'
        ' INSERT INTO cost.%I SELECT * FROM moved', lo, hi, part);
    EXECUTE format('ALTER TABLE cost.usage_event ATTACH PARTITION cost.%I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    RETURN true;
END;
$$;
