/**
 * Routes: what a request's tactics are (tiers, reference model, caps, schema, caching, mode) and
 * which route a request takes.
 */
package dev.tokenwise.router.route;
