package dev.tokenwise.common.gemini;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The answer of {@code POST /v1beta/models/{model}:countTokens}
 * (https://ai.google.dev/api/tokens#response-body).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GeminiCountTokensResponse(
    Long totalTokens,
    Long cachedContentTokenCount,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public GeminiCountTokensResponse {
    extra = Extras.copy(extra);
  }
}
