package dev.tokenwise.cost.rollup;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * cost-service's own meters.
 *
 * @param maxRoutes most distinct route names used as {@code route} tag values; later ones are
 *     {@code other}
 * @param gaugeWindow trailing window of the per-route gauges computed from rollups (cost per active
 *     user and per conversation)
 * @param gaugeRefresh how often those gauges are recomputed
 */
@ConfigurationProperties("tokenwise.cost.metrics")
public record CostMetricsProperties(
    @DefaultValue("100") int maxRoutes,
    @DefaultValue("24h") Duration gaugeWindow,
    @DefaultValue("1m") Duration gaugeRefresh) {}
