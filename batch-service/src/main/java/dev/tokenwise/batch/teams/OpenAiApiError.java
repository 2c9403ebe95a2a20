package dev.tokenwise.batch.teams;

import org.springframework.http.HttpStatus;

/** An error on the public surface, answered in OpenAI's envelope. */
class OpenAiApiError extends RuntimeException {

  final HttpStatus status;
  final String type;
  final String param;
  final String code;

  OpenAiApiError(HttpStatus status, String type, String message, String param, String code) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  static OpenAiApiError invalid(String message, String param) {
    return new OpenAiApiError(
        HttpStatus.BAD_REQUEST, "invalid_request_error", message, param, null);
  }

  static OpenAiApiError notFound(String message) {
    return new OpenAiApiError(HttpStatus.NOT_FOUND, "invalid_request_error", message, null, null);
  }
}
