/** Meter names, tag keys and bounded tag values shared by every Tokenwise service. */
package dev.tokenwise.common.metrics;
