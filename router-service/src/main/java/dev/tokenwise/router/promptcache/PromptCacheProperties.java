package dev.tokenwise.router.promptcache;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Provider prompt-cache facts the shaper needs ({@code tokenwise.router.prompt-cache.*}).
 *
 * @param minTokens the minimum cacheable prefix per model-id prefix (longest prefix wins); below it
 *     Anthropic caches nothing and reports no error, so a breakpoint there only wastes one of four
 * @param defaultMinTokens for models no entry matches
 * @param readPrice cache read price as a fraction of the input price
 * @param writePremium5m write price of the 5-minute TTL as a fraction of the input price
 * @param writePremium1h write price of the 1-hour TTL as a fraction of the input price
 */
@ConfigurationProperties("tokenwise.router.prompt-cache")
public record PromptCacheProperties(
    Map<String, Long> minTokens,
    @DefaultValue("1024") long defaultMinTokens,
    @DefaultValue("0.1") double readPrice,
    @DefaultValue("1.25") double writePremium5m,
    @DefaultValue("2.0") double writePremium1h) {

  public PromptCacheProperties {
    if (minTokens == null || minTokens.isEmpty()) {
      // Anthropic's prompt-caching page (late 2026); other sources give other minimums.
      minTokens =
          Map.of(
              "claude-haiku-4-5", 4096L,
              "claude-haiku", 2048L,
              "claude-sonnet-4-6", 2048L,
              "claude-opus-4-5", 4096L,
              "claude-opus-4-6", 4096L,
              "claude", 1024L);
    }
  }

  /** The minimum cacheable prefix of {@code model}. */
  public long minTokensFor(String model) {
    String best = null;
    for (String prefix : minTokens.keySet()) {
      if (model.startsWith(prefix) && (best == null || prefix.length() > best.length())) {
        best = prefix;
      }
    }
    return best == null ? defaultMinTokens : minTokens.get(best);
  }
}
