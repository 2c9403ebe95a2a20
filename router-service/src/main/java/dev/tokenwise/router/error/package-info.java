/**
 * Error envelopes of the public API and the handler that guarantees no stack trace reaches a
 * client.
 */
package dev.tokenwise.router.error;
