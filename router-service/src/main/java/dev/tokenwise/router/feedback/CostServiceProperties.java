package dev.tokenwise.router.feedback;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where cost-service answers ({@code tokenwise.router.cost.*}): feedback is forwarded there and
 * shadow evaluations report there.
 *
 * @param baseUrl cost-service's base URL, no path
 * @param connectTimeout how long to wait for a connection
 * @param timeout how long to wait for an answer
 */
@ConfigurationProperties("tokenwise.router.cost")
public record CostServiceProperties(
    @DefaultValue("http://localhost:8083") URI baseUrl,
    @DefaultValue("2s") Duration connectTimeout,
    @DefaultValue("5s") Duration timeout) {}
