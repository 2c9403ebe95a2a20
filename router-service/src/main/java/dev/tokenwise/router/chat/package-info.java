/** OpenAI Chat Completions ({@code POST /v1/chat/completions}): the protocol adapter. */
package dev.tokenwise.router.chat;
