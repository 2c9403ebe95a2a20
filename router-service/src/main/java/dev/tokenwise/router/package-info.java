/** The public OpenAI- and Anthropic-compatible gateway. */
package dev.tokenwise.router;
