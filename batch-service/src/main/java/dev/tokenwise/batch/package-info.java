/** Deferred requests gathered into provider batch jobs. */
package dev.tokenwise.batch;
