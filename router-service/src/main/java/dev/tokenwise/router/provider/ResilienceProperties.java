package dev.tokenwise.router.provider;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Retries, circuit breakers and fallbacks of provider calls ({@code
 * tokenwise.router.resilience.*}).
 *
 * @param maxAttempts attempts per model, the first included
 * @param initialBackoff the first wait; doubled per attempt, with ±50% jitter
 * @param maxBackoff the longest computed wait
 * @param maxRetryAfter the longest {@code Retry-After} honoured; a longer one is cut to this
 * @param totalTimeout the whole call across retries and fallbacks, until the answer (or, for a
 *     stream, its first byte) arrives; past it the client gets 503
 * @param failureRateThreshold percent of failed calls in the window that opens a model's breaker
 * @param slidingWindow calls per provider+model the failure rate is computed over
 * @param openStateWait how long an open breaker refuses calls before letting a few through
 * @param fallbacks models to try, in order, once a model is exhausted; keyed by route name or by
 *     requested model ({@code fallbacks[claude-sonnet-4-5]=gpt-5})
 */
@ConfigurationProperties("tokenwise.router.resilience")
public record ResilienceProperties(
    @DefaultValue("3") int maxAttempts,
    @DefaultValue("200ms") Duration initialBackoff,
    @DefaultValue("5s") Duration maxBackoff,
    @DefaultValue("10s") Duration maxRetryAfter,
    @DefaultValue("10m") Duration totalTimeout,
    @DefaultValue("50") float failureRateThreshold,
    @DefaultValue("50") int slidingWindow,
    @DefaultValue("30s") Duration openStateWait,
    @DefaultValue Map<String, List<String>> fallbacks) {}
