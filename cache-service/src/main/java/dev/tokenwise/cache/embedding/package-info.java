/** Turning questions into vectors: the pluggable embedding source and the batching queue. */
package dev.tokenwise.cache.embedding;
