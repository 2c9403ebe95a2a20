/**
 * Usage events: built from normalised provider usage, sent to the Redis stream, spooled when it is
 * down.
 */
package dev.tokenwise.router.usage;
