/** Traces: the request's span as seen by later steps, and the GenAI span of each provider call. */
package dev.tokenwise.router.trace;
