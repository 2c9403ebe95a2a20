package dev.tokenwise.router.routing;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Quality-gated routing ({@code tokenwise.router.quality.*}): how the router follows cost-service's
 * route advice.
 *
 * @param enabled whether the advice is read at all
 * @param pollInterval how often the advice hash is read
 * @param step how much of a route's traffic one reading moves: a tightened route's target share of
 *     strong-tier calls rises by this much (and a heuristic threshold falls by it); advice to
 *     loosen takes one step back
 * @param maxBoost the most a route's strong share is ever raised
 */
@ConfigurationProperties("tokenwise.router.quality")
public record QualityProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("30s") Duration pollInterval,
    @DefaultValue("0.1") double step,
    @DefaultValue("0.5") double maxBoost) {}
