package dev.tokenwise.router.deferral;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where batch-service takes deferred requests ({@code tokenwise.router.batch.*}).
 *
 * @param jobOwnership how long the router remembers which tenant owns a job id
 */
@ConfigurationProperties("tokenwise.router.batch")
public record DeferralProperties(
    @DefaultValue("http://localhost:8082") URI baseUrl,
    @DefaultValue("2s") Duration connectTimeout,
    @DefaultValue("10s") Duration timeout,
    @DefaultValue("30d") Duration jobOwnership) {}
