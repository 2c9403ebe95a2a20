package dev.tokenwise.cache.exact;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the exact-match cache.
 *
 * @param defaultTtl how long an answer is kept when the store request names no TTL
 * @param maxTtl the longest TTL a store request may ask for; longer requests are cut to it
 * @param maxEntrySize the largest answer (serialised, before compression) that is stored; larger
 *     ones are refused with 413
 * @param compressionThreshold answers at least this large are gzip-compressed in Redis
 * @param lookupTimeout how long a lookup waits for Redis before answering a miss (fail open)
 * @param storeTimeout how long a store waits for Redis before the store is dropped
 */
@ConfigurationProperties("tokenwise.cache.exact")
public record ExactCacheProperties(
    @DefaultValue("PT1H") Duration defaultTtl,
    @DefaultValue("P1D") Duration maxTtl,
    @DefaultValue("1MB") DataSize maxEntrySize,
    @DefaultValue("8KB") DataSize compressionThreshold,
    @DefaultValue("50ms") Duration lookupTimeout,
    @DefaultValue("500ms") Duration storeTimeout) {

  public ExactCacheProperties {
    requirePositive(defaultTtl, "default-ttl");
    requirePositive(maxTtl, "max-ttl");
    requirePositive(lookupTimeout, "lookup-timeout");
    requirePositive(storeTimeout, "store-timeout");
    if (maxTtl.compareTo(defaultTtl) < 0) {
      throw new IllegalArgumentException(
          "tokenwise.cache.exact.max-ttl must not be shorter than default-ttl");
    }
    if (maxEntrySize.toBytes() <= 0) {
      throw new IllegalArgumentException("tokenwise.cache.exact.max-entry-size must be positive");
    }
  }

  /** The TTL for a store request: its own when given (cut to {@link #maxTtl}), else the default. */
  Duration effectiveTtl(Duration requested) {
    if (requested == null) {
      return defaultTtl;
    }
    return requested.compareTo(maxTtl) > 0 ? maxTtl : requested;
  }

  private static void requirePositive(Duration value, String name) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("tokenwise.cache.exact." + name + " must be positive");
    }
  }
}
