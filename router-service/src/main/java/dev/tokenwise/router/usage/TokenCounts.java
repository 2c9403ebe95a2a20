package dev.tokenwise.router.usage;

import tools.jackson.databind.JsonNode;

/**
 * Token counts in the usage event's normalised form: {@code input} includes cache reads and writes,
 * {@code reasoning} is part of {@code output} (PROVIDERS.md, "Usage accounting").
 */
public record TokenCounts(
    long input, long cachedInput, long cacheWrite, long output, long reasoning) {

  public static final TokenCounts ZERO = new TokenCounts(0, 0, 0, 0, 0);

  /**
   * Reads an OpenAI {@code usage} object, where {@code prompt_tokens} already includes cached
   * tokens. Every detail is optional; subsets larger than their total (seen from some
   * OpenAI-compatible servers) are capped rather than trusted.
   */
  public static TokenCounts fromOpenAi(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return ZERO;
    }
    long input = count(usage.path("prompt_tokens"));
    long output = count(usage.path("completion_tokens"));
    long cached = Math.min(input, count(usage.path("prompt_tokens_details").path("cached_tokens")));
    long write =
        Math.min(
            input - cached, count(usage.path("prompt_tokens_details").path("cache_write_tokens")));
    long reasoning =
        Math.min(output, count(usage.path("completion_tokens_details").path("reasoning_tokens")));
    return new TokenCounts(input, cached, write, output, reasoning);
  }

  private static long count(JsonNode node) {
    return node.isNumber() ? Math.max(0, node.asLong()) : 0;
  }
}
