/** Tracing defaults shared by every Tokenwise service. */
package dev.tokenwise.common.tracing;
