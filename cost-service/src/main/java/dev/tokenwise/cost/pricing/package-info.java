/** Prices usage events with common's price catalog and cost calculator, and bounds model tags. */
package dev.tokenwise.cost.pricing;
