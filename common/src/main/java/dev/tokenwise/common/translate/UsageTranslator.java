package dev.tokenwise.common.translate;

import dev.tokenwise.common.anthropic.AnthropicUsage;
import dev.tokenwise.common.openai.OpenAiUsage;

/**
 * Converts usage between the providers' conventions. OpenAI's {@code prompt_tokens} includes cached
 * tokens and cache writes; Anthropic's {@code input_tokens} excludes both, which it reports apart
 * as {@code cache_read_input_tokens} and {@code cache_creation_input_tokens}.
 */
public final class UsageTranslator {

  private UsageTranslator() {}

  /**
   * {@code prompt_tokens = input + cache_creation + cache_read}, {@code cached_tokens =
   * cache_read}, {@code cache_write_tokens = cache_creation} (written only when non-zero).
   */
  public static OpenAiUsage toOpenAi(AnthropicUsage usage) {
    if (usage == null) {
      return null;
    }
    long prompt = usage.totalInputTokens();
    long completion = usage.outputTokensOrZero();
    long writes = usage.cacheCreationOrZero();
    return new OpenAiUsage(
        prompt,
        completion,
        prompt + completion,
        new OpenAiUsage.PromptTokensDetails(
            usage.cacheReadOrZero(), writes == 0 ? null : writes, null),
        null,
        null);
  }

  /**
   * {@code input_tokens = prompt_tokens - cached_tokens - cache_write_tokens} (never below 0),
   * {@code cache_read_input_tokens = cached_tokens}, {@code cache_creation_input_tokens =
   * cache_write_tokens}. Reasoning tokens stay inside {@code output_tokens}, as Anthropic counts
   * them.
   */
  public static AnthropicUsage toAnthropic(OpenAiUsage usage) {
    if (usage == null) {
      return null;
    }
    long prompt = usage.promptTokensOrZero();
    long cached = Math.min(usage.cachedTokens(), prompt);
    long writes = Math.min(usage.cacheWriteTokens(), prompt - cached);
    return AnthropicUsage.of(
        prompt - cached - writes, usage.completionTokensOrZero(), writes, cached);
  }
}
