package dev.tokenwise.simulator.fault;

import java.util.Arrays;
import java.util.Optional;

/** A failure the simulator can inject, named by the token used in headers and configuration. */
public enum Fault {
  /** 429 with {@code Retry-After}. */
  RATE_LIMITED("429"),
  /** 500 internal error. */
  SERVER_ERROR("500"),
  /** 503 service unavailable. */
  UNAVAILABLE("503"),
  /** Anthropic's 529 {@code overloaded_error} (OpenAI has no 529 and answers 503 instead). */
  OVERLOADED("529"),
  /** The TCP connection is reset: before the response, or mid-stream after a few events. */
  CONNECTION_RESET("reset"),
  /** Nothing, not even headers, is sent until the configured slow-first-byte delay has passed. */
  SLOW_FIRST_BYTE("slow-first-byte"),
  /** A stream starts with 200 and then carries the provider's in-stream error event. */
  STREAM_ERROR("stream-error");

  private final String token;

  Fault(String token) {
    this.token = token;
  }

  /** The name used in {@code x-simulator-fault} and in {@code tokenwise.simulator.faults.rates}. */
  public String token() {
    return token;
  }

  /** The fault named {@code token}, if any. */
  public static Optional<Fault> fromToken(String token) {
    String t = token == null ? "" : token.strip();
    return Arrays.stream(values()).filter(f -> f.token.equalsIgnoreCase(t)).findFirst();
  }
}
