-- The cache policy the router would send cache-service for this request (its route's cache block:
-- templateVersion, modelVersion, normalizeWhitespace, ...), echoed on lookup and store so a batch
-- answer shares keys with the router's synchronous answers (README, "Cache").
alter table batch.deferred_request add column cache_policy text;
