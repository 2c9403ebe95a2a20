package dev.tokenwise.router.request;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Guards that make every public API request end with an answer or a clear error ({@code
 * tokenwise.router.request-guard.*}).
 *
 * @param stageTimeout the longest a step before the provider call (routing, cache lookup, the
 *     token-limit and budget checks) may take; each has shorter timeouts of its own, so this only
 *     ends a step that stalled where none applied. 503 when passed.
 * @param unansweredWarning how long a request may go without its response starting before a warning
 *     names it and the step it is in
 * @param routingDeadline the longest the tier choice (classifier, warm-prefix lookup) may take;
 *     past it the request is served by the route's fallback tier (the strongest) and says so in
 *     {@code Tokenwise-Tier} and {@code tokenwise.router.routing.fallbacks}, instead of waiting or
 *     failing
 */
@ConfigurationProperties("tokenwise.router.request-guard")
public record RequestGuardProperties(
    @DefaultValue("20s") Duration stageTimeout,
    @DefaultValue("30s") Duration unansweredWarning,
    @DefaultValue("1s") Duration routingDeadline) {}
