/** Usage events of answered requests, published from the database to the Redis stream. */
package dev.tokenwise.batch.usage;
