package dev.tokenwise.cost.report;

import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.cost.rollup.CostMetricsProperties;
import dev.tokenwise.cost.rollup.RouteTags;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Per-route figures that cannot be labels (a user id never is): cost per active user, cost per
 * conversation and active users over a trailing window, computed from the rollups and published as
 * gauges tagged by route only.
 *
 * <ul>
 *   <li>{@value #COST_PER_USER} (USD; exported {@code tokenwise_cost_per_active_user_usd})
 *   <li>{@value #COST_PER_CONVERSATION} (USD)
 *   <li>{@value #ACTIVE_USERS}
 * </ul>
 */
@Component
class RouteGauges implements SchedulingConfigurer {

  static final String COST_PER_USER = "tokenwise.cost.per.active.user";
  static final String COST_PER_CONVERSATION = "tokenwise.cost.per.conversation";
  static final String ACTIVE_USERS = "tokenwise.active.users";

  private static final Logger log = LoggerFactory.getLogger(RouteGauges.class);

  private final RollupReader rollups;
  private final MeterRegistry registry;
  private final RouteTags routeTags;
  private final Duration window;
  private final Duration refresh;
  private final Clock clock = Clock.systemUTC();
  private final Map<String, double[]> values = new ConcurrentHashMap<>();

  RouteGauges(
      RollupReader rollups,
      MeterRegistry registry,
      RouteTags routeTags,
      CostMetricsProperties properties) {
    this.rollups = rollups;
    this.registry = registry;
    this.routeTags = routeTags;
    this.window = properties.gaugeWindow();
    this.refresh = properties.gaugeRefresh();
  }

  /** Recomputes the gauges over the trailing window. */
  void refresh() {
    Instant to = clock.instant().truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
    ReportQuery query = new ReportQuery(to.minus(window), to, null, null, null, null);
    Map<String, RollupTotals> byRoute = rollups.byRoute(query);
    Map<String, Map<String, Long>> actors = rollups.actorsByRoute(query);
    byRoute.forEach(
        (route, totals) -> {
          Map<String, Long> a = actors.getOrDefault(route, Map.of());
          double[] v = values.computeIfAbsent(routeTags.tag(route), this::register);
          long users = a.getOrDefault("user", 0L);
          long conversations = a.getOrDefault("conversation", 0L);
          v[0] = ratio(totals.costUsd, users);
          v[1] = ratio(totals.costUsd, conversations);
          v[2] = users;
        });
  }

  private double[] register(String route) {
    double[] v = {Double.NaN, Double.NaN, 0};
    Gauge.builder(COST_PER_USER, v, x -> x[0])
        .description("Cost per active end user over the trailing window, by route")
        .baseUnit(MetricTags.UNIT_USD)
        .tag(MetricTags.ROUTE, route)
        .register(registry);
    Gauge.builder(COST_PER_CONVERSATION, v, x -> x[1])
        .description("Cost per conversation over the trailing window, by route")
        .baseUnit(MetricTags.UNIT_USD)
        .tag(MetricTags.ROUTE, route)
        .register(registry);
    Gauge.builder(ACTIVE_USERS, v, x -> x[2])
        .description("Distinct end users over the trailing window, by route")
        .tag(MetricTags.ROUTE, route)
        .register(registry);
    return v;
  }

  private static double ratio(BigDecimal usd, long count) {
    return count == 0 ? Double.NaN : usd.doubleValue() / count;
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    registrar.addFixedDelayTask(new FixedDelayTask(this::refreshQuietly, refresh, Duration.ZERO));
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      log.warn("Could not refresh per-route gauges; will retry: {}", e.toString());
    }
  }
}
