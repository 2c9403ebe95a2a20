/** Exact and semantic response cache over Redis. */
package dev.tokenwise.cache;
