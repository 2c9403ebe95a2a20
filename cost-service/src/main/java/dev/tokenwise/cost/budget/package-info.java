/** Spend per tenant per month: cost-service's own keys, and the settlements the router reads. */
package dev.tokenwise.cost.budget;
