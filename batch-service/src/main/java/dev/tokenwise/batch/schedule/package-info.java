/** The timers that run assembly, collection, usage publishing and delivery in a running service. */
package dev.tokenwise.batch.schedule;
