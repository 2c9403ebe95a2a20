/**
 * The assemble-and-submit job: queued requests grouped by provider, model and endpoint,
 * deduplicated, streamed into a provider batch file within the provider's limits, uploaded and
 * submitted.
 */
package dev.tokenwise.batch.assemble;
