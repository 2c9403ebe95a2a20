/** Tolerant wire models of Anthropic Messages: requests, responses, stream events, errors. */
package dev.tokenwise.common.anthropic;
