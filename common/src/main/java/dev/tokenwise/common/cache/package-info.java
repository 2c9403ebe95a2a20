/** cache-service's internal API, defined once for the service and its two callers. */
package dev.tokenwise.common.cache;
