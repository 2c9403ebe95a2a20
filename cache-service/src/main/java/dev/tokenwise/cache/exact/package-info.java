/** The exact-match cache: answers stored in Redis under a hash of the canonical request. */
package dev.tokenwise.cache.exact;
