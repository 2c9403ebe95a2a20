package dev.tokenwise.common.gemini;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * Google's error body {@code {"error":{"code","message","status","details"}}}: {@code code} is the
 * HTTP status as a number, {@code status} the canonical name
 * (https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GeminiError(
    Body error,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public static final String INVALID_ARGUMENT = "INVALID_ARGUMENT";
  public static final String FAILED_PRECONDITION = "FAILED_PRECONDITION";
  public static final String UNAUTHENTICATED = "UNAUTHENTICATED";
  public static final String PERMISSION_DENIED = "PERMISSION_DENIED";
  public static final String NOT_FOUND = "NOT_FOUND";
  public static final String RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED";
  public static final String INTERNAL = "INTERNAL";
  public static final String UNAVAILABLE = "UNAVAILABLE";
  public static final String DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED";

  public GeminiError {
    Objects.requireNonNull(error, "error");
    extra = Extras.copy(extra);
  }

  /** An error with the canonical status name of {@code httpStatus}. */
  public static GeminiError of(int httpStatus, String message) {
    return new GeminiError(new Body(httpStatus, message, statusFor(httpStatus), null, null), null);
  }

  /** The canonical status Google pairs with an HTTP status. */
  public static String statusFor(int httpStatus) {
    return switch (httpStatus) {
      case 400 -> INVALID_ARGUMENT;
      case 401 -> UNAUTHENTICATED;
      case 403 -> PERMISSION_DENIED;
      case 404 -> NOT_FOUND;
      case 429 -> RESOURCE_EXHAUSTED;
      case 503 -> UNAVAILABLE;
      case 504 -> DEADLINE_EXCEEDED;
      default -> httpStatus >= 500 ? INTERNAL : FAILED_PRECONDITION;
    };
  }

  /** {@code details} (ErrorInfo, LocalizedMessage...) is kept as a tree. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Body(
      Integer code,
      String message,
      String status,
      JsonNode details,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public Body {
      extra = Extras.copy(extra);
    }
  }
}
