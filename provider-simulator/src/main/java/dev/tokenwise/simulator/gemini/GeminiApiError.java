package dev.tokenwise.simulator.gemini;

import dev.tokenwise.common.gemini.GeminiError;
import org.springframework.http.HttpStatus;

/**
 * A request the simulated Gemini API refuses, with the status and message Google sends
 * (https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes).
 */
class GeminiApiError extends RuntimeException {

  private final HttpStatus status;

  GeminiApiError(HttpStatus status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  static GeminiApiError invalidArgument(String message) {
    return new GeminiApiError(HttpStatus.BAD_REQUEST, message);
  }

  HttpStatus status() {
    return status;
  }

  /** The body: {@code {"error":{"code","message","status"}}}. */
  GeminiError body() {
    return GeminiError.of(status.value(), getMessage());
  }
}
