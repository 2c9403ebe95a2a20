package dev.tokenwise.router.cache;

import dev.tokenwise.common.usage.UsageEvent;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a cache lookup found.
 *
 * @param response the stored {@code chat.completion} on a hit, else null
 * @param entryId the entry that answered, on a hit
 * @param shadow a semantic hit cache-service sampled for a shadow check: ask the model too
 * @param storable whether the provider's answer to this request may be stored afterwards (false
 *     when the cache failed or is off, or the client said {@code no-store})
 */
public record CacheLookup(
    Result result, ObjectNode response, String entryId, boolean shadow, boolean storable) {

  /** The lookup outcome; {@link #header()} is the {@code Tokenwise-Cache} value it leads to. */
  public enum Result {
    HIT_EXACT("hit-exact"),
    HIT_SEMANTIC("hit-semantic"),
    MISS("miss"),
    /**
     * Disabled, the client's {@code Cache-Control} said so, or cache-service failed or timed out:
     * the request goes on uncached.
     */
    BYPASS("bypass");

    private final String header;

    Result(String header) {
      this.header = header;
    }

    public String header() {
      return header;
    }
  }

  public static CacheLookup hit(ObjectNode response) {
    return exact(null, response);
  }

  public static CacheLookup exact(String entryId, ObjectNode response) {
    return new CacheLookup(Result.HIT_EXACT, response, entryId, false, false);
  }

  public static CacheLookup semantic(String entryId, ObjectNode response, boolean shadow) {
    return new CacheLookup(Result.HIT_SEMANTIC, response, entryId, shadow, false);
  }

  public static CacheLookup miss() {
    return new CacheLookup(Result.MISS, null, null, false, true);
  }

  /** Not consulted, and nothing is stored afterwards. */
  public static CacheLookup bypass() {
    return new CacheLookup(Result.BYPASS, null, null, false, false);
  }

  /**
   * Not consulted because the client asked for a fresh answer ({@code no-cache}); the fresh answer
   * may still be stored unless the client also said {@code no-store}.
   */
  public static CacheLookup bypass(boolean storable) {
    return new CacheLookup(Result.BYPASS, null, null, false, storable);
  }

  public boolean isHit() {
    return result == Result.HIT_EXACT || result == Result.HIT_SEMANTIC;
  }

  /** The usage event's mode for a hit. */
  public UsageEvent.Mode mode() {
    return result == Result.HIT_SEMANTIC
        ? UsageEvent.Mode.CACHE_SEMANTIC
        : UsageEvent.Mode.CACHE_EXACT;
  }
}
