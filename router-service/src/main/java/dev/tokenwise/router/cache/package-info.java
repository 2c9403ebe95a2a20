/** The router's side of cache-service's internal API: lookups that fail open and async stores. */
package dev.tokenwise.router.cache;
