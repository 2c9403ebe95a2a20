package dev.tokenwise.common.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Anthropic's error body {@code {"type":"error","error":{"type","message"},"request_id"}}. Error
 * types ({@code invalid_request_error}, {@code overloaded_error}, ...) are read as plain strings so
 * new ones parse.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnthropicError(
    String type,
    Body error,
    @JsonProperty("request_id") String requestId,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public static final String INVALID_REQUEST = "invalid_request_error";
  public static final String AUTHENTICATION = "authentication_error";
  public static final String PERMISSION = "permission_error";
  public static final String NOT_FOUND = "not_found_error";
  public static final String REQUEST_TOO_LARGE = "request_too_large";
  public static final String RATE_LIMIT = "rate_limit_error";
  public static final String API = "api_error";
  public static final String OVERLOADED = "overloaded_error";

  public AnthropicError {
    extra = Extras.copy(extra);
  }

  public static AnthropicError of(String errorType, String message, String requestId) {
    return new AnthropicError("error", new Body(errorType, message, null), requestId, null);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Body(
      String type,
      String message,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public Body {
      extra = Extras.copy(extra);
    }
  }
}
