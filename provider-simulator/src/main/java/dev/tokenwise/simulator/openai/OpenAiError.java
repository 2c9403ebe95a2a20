package dev.tokenwise.simulator.openai;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * An error in OpenAI's envelope, {@code {"error":{"message","type","param","code"}}}, with all four
 * keys present as the API sends them (param and code may be null). Messages follow the API's own
 * wording where it is known.
 */
final class OpenAiError extends RuntimeException {

  private final HttpStatusCode status;
  private final String type;
  private final String param;
  private final String code;

  OpenAiError(HttpStatusCode status, String message, String type, String param, String code) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  static OpenAiError invalidRequest(String message, String param, String code) {
    return new OpenAiError(HttpStatus.BAD_REQUEST, message, "invalid_request_error", param, code);
  }

  static OpenAiError missingParameter(String param) {
    return invalidRequest(
        "Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
  }

  static OpenAiError invalidType(String param, String expected, String got) {
    return invalidRequest(
        "Invalid type for '" + param + "': expected " + expected + ", but got " + got + " instead.",
        param,
        "invalid_type");
  }

  HttpStatusCode status() {
    return status;
  }

  ObjectNode body() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", getMessage());
    error.put("type", type);
    error.put("param", param);
    error.put("code", code);
    return body;
  }
}
