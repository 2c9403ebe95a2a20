/**
 * The internal HTTP API the router calls ({@code /internal/cache/*}) and its RFC 9457 problem
 * details.
 */
package dev.tokenwise.cache.api;
