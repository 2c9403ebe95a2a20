/** The batch meters: requests by outcome, queue depth and age, provider batches by state. */
package dev.tokenwise.batch.metrics;
