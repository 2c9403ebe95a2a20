package dev.tokenwise.common.gemini;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code usageMetadata}. {@code promptTokenCount} includes the cached tokens ({@code
 * cachedContentTokenCount} is a subset of it); {@code thoughtsTokenCount} is not part of {@code
 * candidatesTokenCount} but billed as output; {@code toolUsePromptTokenCount} counts tool results
 * fed back as input (https://ai.google.dev/api/generate-content#UsageMetadata). Every count is
 * optional: a stream's early chunks may carry none.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GeminiUsageMetadata(
    Long promptTokenCount,
    Long cachedContentTokenCount,
    Long candidatesTokenCount,
    Long toolUsePromptTokenCount,
    Long thoughtsTokenCount,
    Long totalTokenCount,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public GeminiUsageMetadata {
    extra = Extras.copy(extra);
  }

  /** Usage with the given counts; {@code totalTokenCount} adds them up as Gemini does. */
  public static GeminiUsageMetadata of(
      long promptTokens, long cachedTokens, long candidatesTokens, long thoughtsTokens) {
    return new GeminiUsageMetadata(
        promptTokens,
        cachedTokens == 0 ? null : cachedTokens,
        candidatesTokens,
        null,
        thoughtsTokens == 0 ? null : thoughtsTokens,
        promptTokens + candidatesTokens + thoughtsTokens,
        null);
  }

  public long promptTokensOrZero() {
    return promptTokenCount == null ? 0 : promptTokenCount;
  }

  public long cachedTokensOrZero() {
    return cachedContentTokenCount == null ? 0 : cachedContentTokenCount;
  }

  public long candidatesTokensOrZero() {
    return candidatesTokenCount == null ? 0 : candidatesTokenCount;
  }

  public long toolUsePromptTokensOrZero() {
    return toolUsePromptTokenCount == null ? 0 : toolUsePromptTokenCount;
  }

  public long thoughtsTokensOrZero() {
    return thoughtsTokenCount == null ? 0 : thoughtsTokenCount;
  }
}
