/** Tolerant wire models of OpenAI Chat Completions: requests, responses, stream chunks, errors. */
package dev.tokenwise.common.openai;
