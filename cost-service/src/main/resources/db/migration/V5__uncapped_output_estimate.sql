-- The route's measured uncapped output length used to estimate an event's output-cap saving, kept
-- with the event (like its catalog version) so that re-pricing reuses it instead of today's value.
ALTER TABLE usage_event ADD COLUMN uncapped_output_estimate bigint;
