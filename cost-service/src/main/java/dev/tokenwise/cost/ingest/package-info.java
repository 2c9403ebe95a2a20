/**
 * Usage events in: the Redis Stream consumer, the HTTP endpoint for outside producers, and the
 * idempotent store both write through.
 */
package dev.tokenwise.cost.ingest;
