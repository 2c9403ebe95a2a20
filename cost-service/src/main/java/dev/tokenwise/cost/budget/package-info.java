/** Spend per tenant per month, kept current in Redis for the router's budget check. */
package dev.tokenwise.cost.budget;
