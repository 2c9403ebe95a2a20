/** Launching the Spring Batch jobs and surfacing how a run ended. */
package dev.tokenwise.batch.jobs;
