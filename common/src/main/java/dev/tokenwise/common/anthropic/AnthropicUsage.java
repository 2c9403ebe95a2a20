package dev.tokenwise.common.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code usage} of a message. Unlike OpenAI, {@code input_tokens} excludes cache reads and cache
 * writes: total input is {@code input_tokens + cache_creation_input_tokens +
 * cache_read_input_tokens}. {@code cache_creation} splits the writes by TTL. In a stream, {@code
 * message_delta.usage} is cumulative. Every field is optional.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnthropicUsage(
    @JsonProperty("input_tokens") Long inputTokens,
    @JsonProperty("output_tokens") Long outputTokens,
    @JsonProperty("cache_creation_input_tokens") Long cacheCreationInputTokens,
    @JsonProperty("cache_read_input_tokens") Long cacheReadInputTokens,
    @JsonProperty("cache_creation") CacheCreation cacheCreation,
    @JsonProperty("service_tier") String serviceTier,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public AnthropicUsage {
    extra = Extras.copy(extra);
  }

  public static AnthropicUsage of(
      long inputTokens,
      long outputTokens,
      long cacheCreationInputTokens,
      long cacheReadInputTokens) {
    return new AnthropicUsage(
        inputTokens,
        outputTokens,
        cacheCreationInputTokens,
        cacheReadInputTokens,
        null,
        null,
        null);
  }

  public long inputTokensOrZero() {
    return inputTokens == null ? 0 : inputTokens;
  }

  public long outputTokensOrZero() {
    return outputTokens == null ? 0 : outputTokens;
  }

  public long cacheCreationOrZero() {
    return cacheCreationInputTokens == null ? 0 : cacheCreationInputTokens;
  }

  public long cacheReadOrZero() {
    return cacheReadInputTokens == null ? 0 : cacheReadInputTokens;
  }

  /** All input tokens: uncached, cache writes and cache reads. */
  public long totalInputTokens() {
    return inputTokensOrZero() + cacheCreationOrZero() + cacheReadOrZero();
  }

  /**
   * This usage updated by a later, cumulative one (a stream's {@code message_delta.usage}): fields
   * the later one sets win, the others are kept.
   */
  public AnthropicUsage mergedWith(AnthropicUsage later) {
    if (later == null) {
      return this;
    }
    Map<String, JsonNode> mergedExtra = new java.util.LinkedHashMap<>(extra);
    mergedExtra.putAll(later.extra);
    return new AnthropicUsage(
        later.inputTokens != null ? later.inputTokens : inputTokens,
        later.outputTokens != null ? later.outputTokens : outputTokens,
        later.cacheCreationInputTokens != null
            ? later.cacheCreationInputTokens
            : cacheCreationInputTokens,
        later.cacheReadInputTokens != null ? later.cacheReadInputTokens : cacheReadInputTokens,
        later.cacheCreation != null ? later.cacheCreation : cacheCreation,
        later.serviceTier != null ? later.serviceTier : serviceTier,
        mergedExtra);
  }

  /** Cache writes by TTL; their sum is {@code cache_creation_input_tokens}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record CacheCreation(
      @JsonProperty("ephemeral_5m_input_tokens") Long ephemeral5mInputTokens,
      @JsonProperty("ephemeral_1h_input_tokens") Long ephemeral1hInputTokens,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public CacheCreation {
      extra = Extras.copy(extra);
    }
  }
}
