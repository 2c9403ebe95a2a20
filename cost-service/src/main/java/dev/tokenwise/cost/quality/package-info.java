/**
 * The quality loop: feedback and shadow-evaluation verdicts, regression rate per route against its
 * budget, and the route advice the router reads to tighten a route.
 */
package dev.tokenwise.cost.quality;
