/** Picking a route's tier for one request: the heuristic and the learned difficulty scorers. */
package dev.tokenwise.router.routing;
