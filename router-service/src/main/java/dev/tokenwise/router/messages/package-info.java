/** Anthropic Messages ({@code POST /v1/messages}): the protocol adapter. */
package dev.tokenwise.router.messages;
