package dev.tokenwise.common.translate;

import dev.tokenwise.common.anthropic.AnthropicUsage;
import dev.tokenwise.common.gemini.GeminiUsageMetadata;
import dev.tokenwise.common.openai.OpenAiUsage;

/**
 * Token usage in one convention whatever the provider (OpenTelemetry GenAI's): {@code inputTokens}
 * includes cache reads and cache writes, {@code cachedInputTokens} (reads) and the writes are
 * subsets of it; {@code reasoningTokens} is a subset of {@code outputTokens}.
 */
public record NormalizedUsage(
    long inputTokens,
    long cachedInputTokens,
    long cacheWrite5m,
    long cacheWrite1h,
    long outputTokens,
    long reasoningTokens) {

  public static final NormalizedUsage ZERO = new NormalizedUsage(0, 0, 0, 0, 0, 0);

  public NormalizedUsage {
    if (inputTokens < 0
        || cachedInputTokens < 0
        || cacheWrite5m < 0
        || cacheWrite1h < 0
        || outputTokens < 0
        || reasoningTokens < 0) {
      throw new IllegalArgumentException("token counts must not be negative");
    }
  }

  /**
   * From OpenAI usage, where {@code prompt_tokens} already includes cached tokens. OpenAI reports
   * cache writes without a TTL; they count as 5-minute writes. Absent details count as 0.
   */
  public static NormalizedUsage from(OpenAiUsage usage) {
    if (usage == null) {
      return ZERO;
    }
    long input = usage.promptTokensOrZero();
    long cached = Math.min(usage.cachedTokens(), input);
    long writes = Math.min(usage.cacheWriteTokens(), input - cached);
    long output = usage.completionTokensOrZero();
    return new NormalizedUsage(
        input, cached, writes, 0, output, Math.min(usage.reasoningTokens(), output));
  }

  /**
   * From Anthropic usage, where {@code input_tokens} excludes cache reads and writes. The total of
   * writes is {@code cache_creation_input_tokens}; {@code cache_creation} says how many of them
   * were 1-hour writes, and the rest count as 5-minute writes (Anthropic's default TTL), also when
   * the split is absent or does not add up.
   */
  public static NormalizedUsage from(AnthropicUsage usage) {
    if (usage == null) {
      return ZERO;
    }
    long writes = usage.cacheCreationOrZero();
    long write1h = 0;
    AnthropicUsage.CacheCreation split = usage.cacheCreation();
    if (split != null) {
      long split5m = split.ephemeral5mInputTokens() == null ? 0 : split.ephemeral5mInputTokens();
      write1h = split.ephemeral1hInputTokens() == null ? 0 : split.ephemeral1hInputTokens();
      writes = Math.max(writes, split5m + write1h);
    }
    long input = usage.inputTokensOrZero() + writes + usage.cacheReadOrZero();
    return new NormalizedUsage(
        input, usage.cacheReadOrZero(), writes - write1h, write1h, usage.outputTokensOrZero(), 0);
  }

  /**
   * From Gemini usage, where {@code promptTokenCount} already includes the cached tokens, as
   * OpenAI's {@code prompt_tokens} does (Gemini's {@code UsageMetadata} reference). Tool results
   * fed back ({@code toolUsePromptTokenCount}) are input too. {@code thoughtsTokenCount} is outside
   * {@code candidatesTokenCount} and billed as output, so output is their sum and the thoughts are
   * the reasoning tokens. Gemini reports no cache writes (implicit caching has no write charge).
   */
  public static NormalizedUsage from(GeminiUsageMetadata usage) {
    if (usage == null) {
      return ZERO;
    }
    long input = usage.promptTokensOrZero() + usage.toolUsePromptTokensOrZero();
    long thoughts = usage.thoughtsTokensOrZero();
    return new NormalizedUsage(
        input,
        Math.min(usage.cachedTokensOrZero(), input),
        0,
        0,
        usage.candidatesTokensOrZero() + thoughts,
        thoughts);
  }

  /** Cache writes of either TTL. */
  public long cacheWriteTokens() {
    return cacheWrite5m + cacheWrite1h;
  }

  /** Input tokens neither read from nor written to a cache. */
  public long uncachedInputTokens() {
    return inputTokens - cachedInputTokens - cacheWriteTokens();
  }
}
