package dev.tokenwise.router.cache;

import java.net.URI;
import java.time.Duration;
import org.springframework.util.unit.DataSize;

/**
 * {@link CacheProperties} for tests that build the router's cache pieces by hand: the shipped
 * defaults, with the few members a test varies given.
 */
public final class TestCacheProperties {

  private TestCacheProperties() {}

  /** Defaults, cache-service at a closed port and the feedback window off. */
  public static CacheProperties unreachable() {
    return of(URI.create("http://127.0.0.1:1"), Duration.ZERO, Duration.ofSeconds(1));
  }

  /** Defaults but for cache-service's address, the feedback window and the verdict timeout. */
  public static CacheProperties of(URI baseUrl, Duration feedbackWindow, Duration verdictsTimeout) {
    return new CacheProperties(
        true,
        baseUrl,
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(5),
        DataSize.ofMegabytes(16),
        null,
        0.8,
        16,
        feedbackWindow,
        100_000,
        verdictsTimeout);
  }
}
