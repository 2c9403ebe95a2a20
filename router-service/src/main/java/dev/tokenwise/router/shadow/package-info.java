/**
 * Shadow evaluation's router side: samples routed-down and cache-answered requests at the route's
 * shadow sample rate and hands them to batch-service for a replay against the reference model,
 * whose answer cost-service judges.
 */
package dev.tokenwise.router.shadow;
