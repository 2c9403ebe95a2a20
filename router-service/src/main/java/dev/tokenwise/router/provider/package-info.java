/** Upstream LLM providers: their configuration, secrets and the HTTP clients that call them. */
package dev.tokenwise.router.provider;
