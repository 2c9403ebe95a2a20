/** Deferred requests taken in from the router, stored queued, and their status and result. */
package dev.tokenwise.batch.intake;
