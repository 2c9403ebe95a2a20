package dev.tokenwise.router.cache;

import tools.jackson.databind.node.ObjectNode;

/**
 * What a cache lookup found.
 *
 * @param response the stored {@code chat.completion} on a hit, else null
 */
public record CacheLookup(Result result, ObjectNode response) {

  /** The lookup outcome; {@link #header()} is the {@code Tokenwise-Cache} value it leads to. */
  public enum Result {
    HIT_EXACT("hit-exact"),
    MISS("miss"),
    /** Disabled, or cache-service failed or timed out: the request goes on uncached. */
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
    return new CacheLookup(Result.HIT_EXACT, response);
  }

  public static CacheLookup miss() {
    return new CacheLookup(Result.MISS, null);
  }

  public static CacheLookup bypass() {
    return new CacheLookup(Result.BYPASS, null);
  }

  public boolean isHit() {
    return result == Result.HIT_EXACT;
  }
}
