package dev.tokenwise.simulator.batch;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** A batch-API error, written in the envelope of the provider whose API was called. */
final class ApiError extends RuntimeException {

  private final HttpStatus status;
  private final String type;
  private final String param;

  ApiError(HttpStatus status, String type, String message, String param) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
  }

  static ApiError invalid(String message, String param) {
    return new ApiError(HttpStatus.BAD_REQUEST, "invalid_request_error", message, param);
  }

  static ApiError notFound(String message) {
    return new ApiError(HttpStatus.NOT_FOUND, "invalid_request_error", message, null);
  }

  /** OpenAI's {@code {"error":{"message","type","param","code"}}}. */
  ResponseEntity<String> openAi() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", getMessage());
    error.put("type", type);
    error.put("param", param);
    error.putNull("code");
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(body.toString());
  }

  /** Anthropic's {@code {"type":"error","error":{"type","message"}}}. */
  ResponseEntity<String> anthropic() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("type", "error");
    String anthropicType =
        switch (status) {
          case NOT_FOUND -> "not_found_error";
          case UNAUTHORIZED -> "authentication_error";
          default -> type;
        };
    body.putObject("error").put("type", anthropicType).put("message", getMessage());
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(body.toString());
  }

  /** OpenAI credentials: a bearer token, as the chat endpoint requires. */
  static HttpHeaders openAiCredentials(HttpHeaders request) {
    String authorization = request.getFirst(HttpHeaders.AUTHORIZATION);
    if (authorization == null
        || !authorization.startsWith("Bearer ")
        || authorization.length() < 8) {
      throw new ApiError(
          HttpStatus.UNAUTHORIZED,
          "invalid_request_error",
          "You didn't provide an API key. You need to provide your API key in an Authorization"
              + " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          null);
    }
    HttpHeaders credentials = new HttpHeaders();
    credentials.set(HttpHeaders.AUTHORIZATION, authorization);
    return credentials;
  }

  /**
   * Anthropic credentials: {@code x-api-key} or, as the 3.x Java SDK sends it, {@code
   * Authorization: Bearer}; and {@code anthropic-version}.
   */
  static HttpHeaders anthropicCredentials(HttpHeaders request) {
    String key = request.getFirst("x-api-key");
    String authorization = request.getFirst(HttpHeaders.AUTHORIZATION);
    boolean bearer =
        authorization != null
            && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
            && !authorization.substring(7).isBlank();
    if ((key == null || key.isBlank()) && !bearer) {
      throw new ApiError(
          HttpStatus.UNAUTHORIZED, "authentication_error", "x-api-key header is required", null);
    }
    String version = request.getFirst("anthropic-version");
    if (version == null || version.isBlank()) {
      throw invalid("anthropic-version: header is required", null);
    }
    HttpHeaders credentials = new HttpHeaders();
    if (key != null && !key.isBlank()) {
      credentials.set("x-api-key", key);
    } else {
      credentials.set(HttpHeaders.AUTHORIZATION, authorization);
    }
    credentials.set("anthropic-version", version);
    return credentials;
  }
}
