/**
 * Consulting cache-service before submission and filling it after collection, so a deferred request
 * whose answer is already cached is not sent, and a batch answer serves later identical requests.
 */
package dev.tokenwise.batch.cache;
