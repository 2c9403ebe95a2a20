/** {@code POST /v1/embeddings}, passed through to the OpenAI-compatible provider. */
package dev.tokenwise.router.embeddings;
