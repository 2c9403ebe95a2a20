package dev.tokenwise.cache.semantic;

/**
 * What a route's {@code maxFalseHitRate} is a share of: {@link #HITS}, wrong answers among the
 * semantic hits it serves ("at most 1% of cached answers wrong"), or {@link #LOOKUPS}, wrong
 * answers among all its semantic lookups, hits and misses ("at most 1% of this route's answers
 * wrong because of the cache", as vCache's error bound).
 */
public enum FalseHitRateOf {
  HITS,
  LOOKUPS;

  /** {@code hits} or {@code lookups}, any case; {@code null} for anything else. */
  public static FalseHitRateOf parse(String text) {
    for (FalseHitRateOf value : values()) {
      if (value.name().equalsIgnoreCase(text)) {
        return value;
      }
    }
    return null;
  }
}
