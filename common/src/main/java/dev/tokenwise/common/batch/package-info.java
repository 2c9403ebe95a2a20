/** batch-service's internal deferred-request API, defined once for the service and its caller. */
package dev.tokenwise.common.batch;
