package dev.tokenwise.router.provider;

import org.springframework.http.HttpStatusCode;

/** A provider's complete, non-streamed answer: status and body bytes exactly as they came. */
public record ProviderReply(HttpStatusCode status, byte[] body) {}
