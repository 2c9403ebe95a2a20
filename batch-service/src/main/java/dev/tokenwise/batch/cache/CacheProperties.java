package dev.tokenwise.batch.cache;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * cache-service as batch-service uses it ({@code tokenwise.batch.cache.*}). The cache fails open: a
 * lookup that errors or outlasts {@code timeout} is treated as a miss and the request is submitted.
 *
 * @param enabled whether queued requests are looked up and collected answers stored
 * @param baseUrl cache-service's base URL (no path)
 * @param timeout connect and answer timeout of one call
 * @param concurrency lookups or stores in flight at once
 * @param ttl how long stored answers live; empty leaves it to cache-service's default
 */
@ConfigurationProperties("tokenwise.batch.cache")
public record CacheProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("http://localhost:8081") URI baseUrl,
    @DefaultValue("1s") Duration timeout,
    @DefaultValue("8") int concurrency,
    Duration ttl) {

  public CacheProperties {
    if (concurrency < 1) {
      throw new IllegalArgumentException("tokenwise.batch.cache.concurrency must be >= 1");
    }
  }
}
