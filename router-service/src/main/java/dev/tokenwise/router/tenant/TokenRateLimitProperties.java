package dev.tokenwise.router.tenant;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How per-key token rate limits are charged ({@code tokenwise.router.token-limits.*}); the limits
 * themselves belong to each key ({@code tokens-per-minute}, {@code token-burst}).
 *
 * @param defaultMaxOutputTokens the output charged up front for a request that sets no limit
 * @param redisTimeout past it the limit fails open (the request goes on uncharged), as Spring Cloud
 *     Gateway's {@code RedisRateLimiter} does when Redis fails
 */
@ConfigurationProperties("tokenwise.router.token-limits")
public record TokenRateLimitProperties(
    @DefaultValue("4096") long defaultMaxOutputTokens, @DefaultValue("1s") Duration redisTimeout) {}
