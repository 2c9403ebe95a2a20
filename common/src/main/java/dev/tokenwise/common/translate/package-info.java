/** Translation between OpenAI Chat Completions and Anthropic Messages, and normalised usage. */
package dev.tokenwise.common.translate;
