/** Clients of the providers' batch APIs (OpenAI Files and Batches, Anthropic Message Batches). */
package dev.tokenwise.batch.provider;
