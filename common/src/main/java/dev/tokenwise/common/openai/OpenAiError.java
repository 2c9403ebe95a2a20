package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI's error body {@code {"error":{"message","type","param","code"}}}. The four keys are always
 * written, null or not, because the SDKs read them as present.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiError(
    Body error,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public static final String INVALID_REQUEST = "invalid_request_error";
  public static final String AUTHENTICATION = "authentication_error";
  public static final String PERMISSION = "permission_error";
  public static final String NOT_FOUND = "not_found_error";
  public static final String RATE_LIMIT = "rate_limit_error";
  public static final String SERVER = "server_error";

  public OpenAiError {
    Objects.requireNonNull(error, "error");
    extra = Extras.copy(extra);
  }

  public static OpenAiError of(String message, String type, String param, String code) {
    return new OpenAiError(new Body(message, type, param, code, null), null);
  }

  /** {@code code} is a string on OpenAI; numbers from other servers are read as text. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Body(
      String message,
      String type,
      String param,
      String code,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public Body {
      extra = Extras.copy(extra);
    }
  }
}
