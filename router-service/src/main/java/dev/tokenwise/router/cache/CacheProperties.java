package dev.tokenwise.router.cache;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * cache-service as the router sees it ({@code tokenwise.router.cache.*}). What each route caches
 * and how (semantic or exact only, threshold, TTL, shadow rate) is the route's {@code cache} block.
 *
 * @param enabled false skips lookups and stores on every route ({@code Tokenwise-Cache: bypass})
 * @param timeout the whole lookup; past it the request proceeds uncached ({@code bypass})
 * @param ttl how long stored answers live unless the route says; null leaves cache-service's
 *     default
 * @param shadowAgreement the cosine similarity (MiniLM) of the cached and the fresh answer at or
 *     above which a shadow check reports that they agree
 * @param maxShadowsInFlight shadow checks running at once; a hit sampled beyond it is not checked
 * @param feedbackWindow how long after a semantic hit a client's {@code POST /v1/feedback} on it
 *     also counts as a verdict on the hit for cache-service's false-hit bound; 0 turns it off
 * @param verdictsMaxLength approximate length the verdict stream ({@code tokenwise:cache:verdicts})
 *     is trimmed to on each write: verdicts cache-service has not read yet are kept while fewer
 *     than this many are waiting
 * @param verdictsTimeout how long one verdict's write to the stream may take before it is sent to
 *     cache-service over HTTP instead
 */
@ConfigurationProperties("tokenwise.router.cache")
public record CacheProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("http://localhost:8081") URI baseUrl,
    @DefaultValue("250ms") Duration connectTimeout,
    @DefaultValue("500ms") Duration timeout,
    @DefaultValue("5s") Duration storeTimeout,
    @DefaultValue("16MB") DataSize maxResponseSize,
    Duration ttl,
    @DefaultValue("0.8") double shadowAgreement,
    @DefaultValue("16") int maxShadowsInFlight,
    @DefaultValue("24h") Duration feedbackWindow,
    @DefaultValue("100000") long verdictsMaxLength,
    @DefaultValue("1s") Duration verdictsTimeout) {

  public CacheProperties {
    if (verdictsMaxLength < 1) {
      throw new IllegalArgumentException(
          "tokenwise.router.cache.verdicts-max-length must be positive");
    }
    if (verdictsTimeout == null || verdictsTimeout.isNegative() || verdictsTimeout.isZero()) {
      throw new IllegalArgumentException(
          "tokenwise.router.cache.verdicts-timeout must be positive");
    }
  }
}
