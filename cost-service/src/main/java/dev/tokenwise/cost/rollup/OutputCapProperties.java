package dev.tokenwise.cost.rollup;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The output-cap saving is estimated against a route's measured output length without Tokenwise's
 * cap (cost-service's README, under "Reports"): the mean output of the route's uncapped,
 * provider-answered requests over a trailing window.
 *
 * @param window trailing window of the measurement
 * @param minRequests fewest uncapped requests in the window for a route to have an estimate (no
 *     estimate: no output-cap saving is claimed)
 * @param refreshInterval how often the estimates are recomputed from the rollups
 */
@ConfigurationProperties("tokenwise.cost.output-cap")
record OutputCapProperties(
    @DefaultValue("7d") Duration window,
    @DefaultValue("50") long minRequests,
    @DefaultValue("5m") Duration refreshInterval) {}
