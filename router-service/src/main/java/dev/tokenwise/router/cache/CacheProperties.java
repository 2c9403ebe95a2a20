package dev.tokenwise.router.cache;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * cache-service as the router sees it ({@code tokenwise.router.cache.*}).
 *
 * @param enabled false skips lookups and stores ({@code Tokenwise-Cache: bypass})
 * @param timeout the whole lookup; past it the request proceeds as a miss
 * @param ttl how long stored answers live; null leaves cache-service's default
 */
@ConfigurationProperties("tokenwise.router.cache")
public record CacheProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("http://localhost:8081") URI baseUrl,
    @DefaultValue("250ms") Duration connectTimeout,
    @DefaultValue("500ms") Duration timeout,
    @DefaultValue("5s") Duration storeTimeout,
    @DefaultValue("16MB") DataSize maxResponseSize,
    Duration ttl) {}
