package dev.tokenwise.router.error;

import dev.tokenwise.common.openai.OpenAiError;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

/**
 * A failure the client is told about in OpenAI's error envelope ({@code
 * {"error":{"message","type","param","code"}}}), with the HTTP status it travels under.
 */
public class OpenAiApiException extends RuntimeException {

  private final HttpStatusCode status;
  private final String type;
  private final String param;
  private final String code;

  public OpenAiApiException(
      HttpStatusCode status, String message, String type, String param, String code) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  public static OpenAiApiException invalidRequest(String message, String param, String code) {
    return new OpenAiApiException(
        HttpStatus.BAD_REQUEST, message, OpenAiError.INVALID_REQUEST, param, code);
  }

  public static OpenAiApiException invalidApiKey(String message) {
    return new OpenAiApiException(
        HttpStatus.UNAUTHORIZED, message, OpenAiError.AUTHENTICATION, null, "invalid_api_key");
  }

  public static OpenAiApiException bodyTooLarge(long limitBytes) {
    return new OpenAiApiException(
        HttpStatus.PAYLOAD_TOO_LARGE,
        "Request body exceeds the limit of " + limitBytes + " bytes.",
        OpenAiError.INVALID_REQUEST,
        null,
        "request_too_large");
  }

  /** The provider could not be reached or did not answer in time (a gateway failure). */
  public static OpenAiApiException upstreamUnavailable(HttpStatus status, String message) {
    return new OpenAiApiException(
        status, message, OpenAiError.SERVER, null, "upstream_unavailable");
  }

  public HttpStatusCode status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }

  public OpenAiError body() {
    return OpenAiError.of(getMessage(), type, param, code);
  }
}
