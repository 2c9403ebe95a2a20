-- The end user and conversation the router attributed the request to (tenant-scoped hashes),
-- carried into the request's usage event for cost-service's cost per user and per conversation.
alter table batch.deferred_request add column end_user text, add column conversation_id text;
