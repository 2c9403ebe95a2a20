/**
 * The OpenAI-compatible Files and Batches path for teams that already write JSONL: their lines
 * become deferred requests, batched with everyone else's, and come back as OpenAI output files.
 */
package dev.tokenwise.batch.teams;
