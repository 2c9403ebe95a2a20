/**
 * The poll-and-collect job: open provider batches polled with backoff; ended ones downloaded,
 * matched on custom id, translated into each client's format, stored, with one usage event each;
 * failed lines resubmitted once, answered synchronously near the deadline, or failed with reason.
 */
package dev.tokenwise.batch.collect;
