/**
 * Re-pricing a time interval after a price-catalog correction, as an explicit, audited operation.
 */
package dev.tokenwise.cost.reprice;
