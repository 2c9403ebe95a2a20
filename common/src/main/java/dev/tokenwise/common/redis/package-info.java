/** Redis stream consumer-group steps shared by the services that consume Tokenwise streams. */
package dev.tokenwise.common.redis;
