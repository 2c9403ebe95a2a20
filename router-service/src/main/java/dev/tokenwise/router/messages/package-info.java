/** The Anthropic-compatible {@code POST /v1/messages} endpoint, whole and streamed. */
package dev.tokenwise.router.messages;
