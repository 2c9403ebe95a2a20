/**
 * Deterministic answers composed from a request: text, tool calls, stop reasons and output tokens.
 */
package dev.tokenwise.simulator.answer;
