package dev.tokenwise.router.shadow;

import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Shadow evaluation through batch-service ({@code tokenwise.router.shadow.*}); how many requests
 * are sampled is each route's {@code shadow-sample-rate}.
 *
 * @param enabled whether sampled requests are submitted at all
 * @param maxInFlight submissions in progress at once; a sample beyond it is dropped (and counted),
 *     so a slow batch-service never holds router memory
 * @param webhookBaseUrl the base URL batch-service calls cost-service on, when it differs from
 *     {@code tokenwise.router.cost.base-url} (another network view of the same service); empty
 *     means the same
 */
@ConfigurationProperties("tokenwise.router.shadow")
public record ShadowEvaluationProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("32") int maxInFlight,
    URI webhookBaseUrl) {}
