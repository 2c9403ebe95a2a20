package dev.tokenwise.cost.quality;

import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.common.quality.RouteAdvice;
import dev.tokenwise.cost.quality.QualityStore.RouteStats;
import dev.tokenwise.cost.rollup.RouteTags;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Computes each route's regression rate over the trailing window, compares it with the route's
 * budget, and publishes the result: as common's {@link RouteAdvice} in {@code GET
 * /api/quality/routes}, which the router polls, to the gauges {@value #RATE_GAUGE} and {@value
 * #EXCEEDED_GAUGE} per route, and to the log when a route's advice flips.
 */
@Component
public class RouteAdvisor implements SchedulingConfigurer {

  /** Gauge of bad / evaluated per route over the window (NaN when nothing was evaluated). */
  public static final String RATE_GAUGE = "tokenwise.quality.regression.rate";

  /** Gauge per route: 1 while the route is over its regression budget, else 0. */
  public static final String EXCEEDED_GAUGE = "tokenwise.quality.budget.exceeded";

  private static final Logger log = LoggerFactory.getLogger(RouteAdvisor.class);

  private final QualityStore store;
  private final QualityProperties properties;
  private final MeterRegistry registry;
  private final RouteTags routeTags;
  private final Clock clock = Clock.systemUTC();
  private final Map<String, AtomicReference<RouteAdvice>> current = new ConcurrentHashMap<>();

  RouteAdvisor(
      QualityStore store,
      QualityProperties properties,
      MeterRegistry registry,
      RouteTags routeTags) {
    this.store = store;
    this.properties = properties;
    this.registry = registry;
    this.routeTags = routeTags;
  }

  /** Recomputes and publishes the advice of {@code routes}. */
  public List<RouteAdvice> evaluate(Collection<String> routes) {
    Instant now = clock.instant();
    Map<String, RouteStats> stats = store.stats(now.minus(properties.window()), now, null, null);
    return new TreeSet<>(routes)
        .stream().map(route -> publish(advice(route, stats.get(route), now))).toList();
  }

  /** Recomputes every route with verdicts, or listed in configuration. */
  public List<RouteAdvice> evaluateAll() {
    TreeSet<String> routes = new TreeSet<>(store.routes());
    routes.addAll(properties.routes().keySet());
    return evaluate(routes);
  }

  /** The advice last published, per route. */
  public List<RouteAdvice> current() {
    return current.values().stream()
        .map(AtomicReference::get)
        .sorted(java.util.Comparator.comparing(RouteAdvice::route))
        .toList();
  }

  RouteAdvice advice(String route, RouteStats stats, Instant now) {
    double budget = properties.budget(route);
    long evaluated = stats == null ? 0 : stats.evaluated();
    long bad = stats == null ? 0 : stats.bad();
    Double rate = stats == null ? null : stats.rate();
    boolean tighten = rate != null && evaluated >= properties.minEvaluated() && rate > budget;
    String reason;
    if (rate == null) {
      reason = "no verdicts in the last " + properties.window();
    } else if (evaluated < properties.minEvaluated()) {
      reason =
          "%d of %d evaluated requests bad; fewer than %d evaluated, too few to judge"
              .formatted(bad, evaluated, properties.minEvaluated());
    } else {
      reason =
          "%d of %d evaluated requests bad in the last %s: regression rate %.4f %s budget %.4f"
              .formatted(
                  bad, evaluated, properties.window(), rate, tighten ? "over" : "within", budget);
    }
    return new RouteAdvice(
        route, tighten, rate, budget, evaluated, bad, properties.window(), reason, now);
  }

  private RouteAdvice publish(RouteAdvice advice) {
    AtomicReference<RouteAdvice> ref =
        current.computeIfAbsent(advice.route(), route -> register(route, new AtomicReference<>()));
    RouteAdvice previous = ref.getAndSet(advice);
    boolean wasTight = previous != null && previous.tighten();
    if (advice.tighten() && !wasTight) {
      log.warn(
          "Route '{}' over its regression budget, advising the router to tighten it: {}",
          advice.route(),
          advice.reason());
    } else if (!advice.tighten() && wasTight) {
      log.info(
          "Route '{}' back within its regression budget, advice withdrawn: {}",
          advice.route(),
          advice.reason());
    }
    return advice;
  }

  private AtomicReference<RouteAdvice> register(String route, AtomicReference<RouteAdvice> ref) {
    String tag = routeTags.tag(route);
    Gauge.builder(RATE_GAUGE, ref, r -> rate(r.get()))
        .description("Bad verdicts / evaluated requests over the quality window, by route")
        .tag(MetricTags.ROUTE, tag)
        .register(registry);
    Gauge.builder(EXCEEDED_GAUGE, ref, r -> r.get() != null && r.get().tighten() ? 1 : 0)
        .description("1 while the route is over its regression budget")
        .tag(MetricTags.ROUTE, tag)
        .register(registry);
    return ref;
  }

  private static double rate(RouteAdvice advice) {
    return advice == null || advice.regressionRate() == null ? Double.NaN : advice.regressionRate();
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    registrar.addFixedDelayTask(
        new FixedDelayTask(
            this::refreshQuietly, properties.refreshInterval(), properties.refreshInterval()));
  }

  private void refreshQuietly() {
    try {
      store.resolvePending();
      evaluateAll();
    } catch (RuntimeException e) {
      log.warn("Could not refresh route advice; will retry: {}", e.toString());
    }
  }
}
