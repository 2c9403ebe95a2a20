/**
 * OpenAI Files and Batches and Anthropic Message Batches, run on an accelerated clock against the
 * simulator's own chat endpoints, with injectable batch failures.
 */
package dev.tokenwise.simulator.batch;
