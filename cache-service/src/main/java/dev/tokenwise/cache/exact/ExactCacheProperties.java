package dev.tokenwise.cache.exact;

import java.time.Duration;
import java.util.Map;
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
 * @param normalizeWhitespace whether message text is whitespace-normalised before hashing (every
 *     route; a route or the router's per-request policy may say otherwise)
 * @param routes per-route settings, by route name
 */
@ConfigurationProperties("tokenwise.cache.exact")
public record ExactCacheProperties(
    @DefaultValue("PT1H") Duration defaultTtl,
    @DefaultValue("P1D") Duration maxTtl,
    @DefaultValue("1MB") DataSize maxEntrySize,
    @DefaultValue("8KB") DataSize compressionThreshold,
    @DefaultValue("50ms") Duration lookupTimeout,
    @DefaultValue("500ms") Duration storeTimeout,
    @DefaultValue("false") boolean normalizeWhitespace,
    Map<String, Route> routes) {

  /**
   * A route's own exact-cache settings; a member left out inherits the service-wide one.
   *
   * @param defaultTtl how long this route's answers are kept when the store names no TTL
   * @param normalizeWhitespace whether this route's message text is whitespace-normalised before
   *     hashing (runs of whitespace are one space, leading and trailing whitespace dropped)
   */
  public record Route(Duration defaultTtl, Boolean normalizeWhitespace) {}

  public ExactCacheProperties {
    routes = routes == null ? Map.of() : Map.copyOf(routes);
    requirePositive(defaultTtl, "default-ttl");
    requirePositive(maxTtl, "max-ttl");
    requirePositive(lookupTimeout, "lookup-timeout");
    requirePositive(storeTimeout, "store-timeout");
    if (maxTtl.compareTo(defaultTtl) < 0) {
      throw new IllegalArgumentException(
          "tokenwise.cache.exact.max-ttl must not be shorter than default-ttl");
    }
    for (Map.Entry<String, Route> route : routes.entrySet()) {
      Duration ttl = route.getValue().defaultTtl();
      if (ttl != null) {
        requirePositive(ttl, "routes." + route.getKey() + ".default-ttl");
        if (ttl.compareTo(maxTtl) > 0) {
          throw new IllegalArgumentException(
              "tokenwise.cache.exact.routes."
                  + route.getKey()
                  + ".default-ttl must not be longer than max-ttl");
        }
      }
    }
    if (maxEntrySize.toBytes() <= 0) {
      throw new IllegalArgumentException("tokenwise.cache.exact.max-entry-size must be positive");
    }
  }

  /** The TTL for a store request: its own when given (cut to {@link #maxTtl}), else the default. */
  Duration effectiveTtl(Duration requested) {
    return effectiveTtl(requested, null);
  }

  /**
   * The TTL for a store request on {@code route}: its own when given (cut to {@link #maxTtl}), else
   * the route's default, else the service-wide default.
   */
  Duration effectiveTtl(Duration requested, String route) {
    if (requested == null) {
      Route own = route == null ? null : routes.get(route);
      return own != null && own.defaultTtl() != null ? own.defaultTtl() : defaultTtl;
    }
    return requested.compareTo(maxTtl) > 0 ? maxTtl : requested;
  }

  /**
   * Whether {@code route}'s message text is whitespace-normalised before hashing: the router's
   * per-request {@code override} when it sent one, else the route's setting, else the service's.
   */
  boolean normalizesWhitespace(String route, Boolean override) {
    if (override != null) {
      return override;
    }
    Route own = routes.get(route);
    return own != null && own.normalizeWhitespace() != null
        ? own.normalizeWhitespace()
        : normalizeWhitespace;
  }

  private static void requirePositive(Duration value, String name) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("tokenwise.cache.exact." + name + " must be positive");
    }
  }
}
