/** Hourly rollups of usage, kept current at ingest and pruned by retention, that reports read. */
package dev.tokenwise.cost.rollup;
