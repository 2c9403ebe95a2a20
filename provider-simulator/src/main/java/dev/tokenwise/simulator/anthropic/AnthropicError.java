package dev.tokenwise.simulator.anthropic;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * An error in Anthropic's envelope, {@code {"type":"error","error":{"type","message"},
 * "request_id"}}. Validation messages follow the API's {@code field: problem} wording.
 */
final class AnthropicError extends RuntimeException {

  /** Anthropic's status for {@code overloaded_error}; not in {@link HttpStatus}. */
  static final HttpStatusCode OVERLOADED = HttpStatusCode.valueOf(529);

  private final HttpStatusCode status;
  private final String type;

  AnthropicError(HttpStatusCode status, String type, String message) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
  }

  static AnthropicError invalidRequest(String message) {
    return new AnthropicError(HttpStatus.BAD_REQUEST, "invalid_request_error", message);
  }

  HttpStatusCode status() {
    return status;
  }

  /** The body as a response carries it. */
  ObjectNode body(String requestId) {
    ObjectNode body = event();
    body.put("request_id", requestId);
    return body;
  }

  /** The body as an in-stream {@code error} event carries it (no request id). */
  ObjectNode event() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("type", "error");
    body.putObject("error").put("type", type).put("message", getMessage());
    return body;
  }
}
