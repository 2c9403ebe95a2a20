-- cache-service is asked once for each request before it is submitted, and told each answer after
-- it is collected (README, "Cache"). Only requests in OpenAI chat format take part: those are the
-- requests and answers cache-service keys and stores.

-- The OpenAI chat request cache-service keys on, when it differs from body (the provider speaks
-- Anthropic); null when body itself is the key or the request takes no part.
alter table batch.deferred_request add column cache_request text;
-- null (takes no part) | pending | missed | hit
alter table batch.deferred_request add column cache_lookup text;
-- null | pending | stored | refused (cache-service would not store it) | skipped
alter table batch.deferred_request add column cache_store text;

create index deferred_request_cache_lookup on batch.deferred_request (provider, model, endpoint, created_at, id)
    where status = 'queued' and cache_lookup = 'pending';
create index deferred_request_cache_store on batch.deferred_request (completed_at, id)
    where cache_store = 'pending';
