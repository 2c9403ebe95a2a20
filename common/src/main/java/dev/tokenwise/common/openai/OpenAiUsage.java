package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code usage} of a completion. {@code prompt_tokens} includes the cached tokens and the cache
 * writes; {@code completion_tokens} includes reasoning tokens. Every detail is optional: other
 * OpenAI-compatible servers omit them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiUsage(
    @JsonProperty("prompt_tokens") Long promptTokens,
    @JsonProperty("completion_tokens") Long completionTokens,
    @JsonProperty("total_tokens") Long totalTokens,
    @JsonProperty("prompt_tokens_details") PromptTokensDetails promptTokensDetails,
    @JsonProperty("completion_tokens_details") CompletionTokensDetails completionTokensDetails,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public OpenAiUsage {
    extra = Extras.copy(extra);
  }

  /** Usage with the given counts; details are written only when non-zero. */
  public static OpenAiUsage of(
      long promptTokens,
      long cachedTokens,
      long cacheWriteTokens,
      long completionTokens,
      long reasoningTokens) {
    PromptTokensDetails prompt =
        cachedTokens == 0 && cacheWriteTokens == 0
            ? null
            : new PromptTokensDetails(
                cachedTokens, cacheWriteTokens == 0 ? null : cacheWriteTokens, null);
    CompletionTokensDetails completion =
        reasoningTokens == 0 ? null : new CompletionTokensDetails(reasoningTokens, null);
    return new OpenAiUsage(
        promptTokens, completionTokens, promptTokens + completionTokens, prompt, completion, null);
  }

  public long promptTokensOrZero() {
    return promptTokens == null ? 0 : promptTokens;
  }

  public long completionTokensOrZero() {
    return completionTokens == null ? 0 : completionTokens;
  }

  /** {@code prompt_tokens_details.cached_tokens}, 0 when absent. */
  public long cachedTokens() {
    return promptTokensDetails == null || promptTokensDetails.cachedTokens() == null
        ? 0
        : promptTokensDetails.cachedTokens();
  }

  /** {@code prompt_tokens_details.cache_write_tokens}, 0 when absent. */
  public long cacheWriteTokens() {
    return promptTokensDetails == null || promptTokensDetails.cacheWriteTokens() == null
        ? 0
        : promptTokensDetails.cacheWriteTokens();
  }

  /** {@code completion_tokens_details.reasoning_tokens}, 0 when absent. */
  public long reasoningTokens() {
    return completionTokensDetails == null || completionTokensDetails.reasoningTokens() == null
        ? 0
        : completionTokensDetails.reasoningTokens();
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PromptTokensDetails(
      @JsonProperty("cached_tokens") Long cachedTokens,
      @JsonProperty("cache_write_tokens") Long cacheWriteTokens,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public PromptTokensDetails {
      extra = Extras.copy(extra);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record CompletionTokensDetails(
      @JsonProperty("reasoning_tokens") Long reasoningTokens,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public CompletionTokensDetails {
      extra = Extras.copy(extra);
    }
  }
}
