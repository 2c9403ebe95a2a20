/** The OpenAI-compatible {@code POST /v1/chat/completions} endpoint and its request pipeline. */
package dev.tokenwise.router.chat;
