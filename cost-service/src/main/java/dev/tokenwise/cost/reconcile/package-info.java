/**
 * Reconciliation: what Tokenwise recorded per provider, day and model against the providers' own
 * usage and cost reports (their admin APIs), stored, served as a drift report and a gauge.
 */
package dev.tokenwise.cost.reconcile;
