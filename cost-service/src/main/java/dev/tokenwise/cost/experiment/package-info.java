/**
 * Route experiments: each arm's requests, cost and regression rate from the usage events that name
 * it, compared with a baseline arm for significance, as a report and as per-arm gauges.
 */
package dev.tokenwise.cost.experiment;
