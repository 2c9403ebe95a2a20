/** Per-request identity, Tokenwise response headers and the outcome count of the public API. */
package dev.tokenwise.router.request;
