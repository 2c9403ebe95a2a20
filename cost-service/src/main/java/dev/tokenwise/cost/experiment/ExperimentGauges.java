package dev.tokenwise.cost.experiment;

import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.cost.experiment.ExperimentStore.ArmTotals;
import dev.tokenwise.cost.rollup.CostMetricsProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Each experiment arm's figures over the trailing {@code tokenwise.cost.metrics.gauge-window},
 * recomputed every {@code gauge-refresh}, for the quality dashboard; tagged {@code experiment} and
 * {@code arm}:
 *
 * <ul>
 *   <li>{@value #REQUESTS}: answered requests
 *   <li>{@value #COST_PER_REQUEST} (USD; exported {@code
 *       tokenwise_experiment_arm_cost_per_request_usd}): cost per priced request
 *   <li>{@value #REGRESSION_RATE}: bad over evaluated requests, NaN without verdicts
 * </ul>
 *
 * <p>Arm names come from routes, so few, but cost-service also accepts events from outside
 * Tokenwise: only the first {@code tokenwise.cost.experiments.max-arms} (experiment, arm) pairs
 * become series. An arm that leaves the window reads 0 requests and NaN until it returns.
 */
@Component
class ExperimentGauges implements SchedulingConfigurer {

  static final String REQUESTS = "tokenwise.experiment.arm.requests";
  static final String COST_PER_REQUEST = "tokenwise.experiment.arm.cost.per.request";
  static final String REGRESSION_RATE = "tokenwise.experiment.arm.regression.rate";
  static final String EXPERIMENT_TAG = "experiment";
  static final String ARM_TAG = "arm";

  private static final Logger log = LoggerFactory.getLogger(ExperimentGauges.class);

  private final ExperimentStore store;
  private final MeterRegistry registry;
  private final int maxArms;
  private final Duration window;
  private final Duration refresh;
  private final Clock clock = Clock.systemUTC();
  private final Map<Key, double[]> values = new ConcurrentHashMap<>();
  private final Set<Key> refused = ConcurrentHashMap.newKeySet();

  ExperimentGauges(
      ExperimentStore store,
      MeterRegistry registry,
      ExperimentProperties properties,
      CostMetricsProperties metrics) {
    this.store = store;
    this.registry = registry;
    this.maxArms = properties.maxArms();
    this.window = metrics.gaugeWindow();
    this.refresh = metrics.gaugeRefresh();
  }

  /** Recomputes every arm's gauges over the trailing window. */
  void refresh() {
    Instant to = clock.instant();
    Set<Key> seen = new HashSet<>();
    for (ArmTotals arm : store.arms(to.minus(window), to, null, null, null)) {
      Key key = new Key(arm.experiment(), arm.arm());
      double[] v = values.get(key);
      if (v == null) {
        v = admit(key);
        if (v == null) {
          continue;
        }
      }
      seen.add(key);
      long priced = arm.cost().count();
      v[0] = arm.requests();
      v[1] = priced == 0 ? Double.NaN : arm.costUsd().doubleValue() / priced;
      v[2] = arm.evaluated() == 0 ? Double.NaN : (double) arm.bad() / arm.evaluated();
    }
    values.forEach(
        (key, v) -> {
          if (!seen.contains(key)) {
            v[0] = 0;
            v[1] = Double.NaN;
            v[2] = Double.NaN;
          }
        });
  }

  private synchronized double[] admit(Key key) {
    double[] existing = values.get(key);
    if (existing != null) {
      return existing;
    }
    if (values.size() >= maxArms) {
      if (refused.add(key)) {
        log.warn(
            "Experiment {} arm {} has no gauges: tokenwise.cost.experiments.max-arms ({}) arms"
                + " already have them; the experiments report still covers it",
            key.experiment(),
            key.arm(),
            maxArms);
      }
      return null;
    }
    double[] v = {0, Double.NaN, Double.NaN};
    Gauge.builder(REQUESTS, v, x -> x[0])
        .description("Answered requests of an experiment arm over the trailing window")
        .tag(EXPERIMENT_TAG, key.experiment())
        .tag(ARM_TAG, key.arm())
        .register(registry);
    Gauge.builder(COST_PER_REQUEST, v, x -> x[1])
        .description("Cost per priced request of an experiment arm over the trailing window")
        .baseUnit(MetricTags.UNIT_USD)
        .tag(EXPERIMENT_TAG, key.experiment())
        .tag(ARM_TAG, key.arm())
        .register(registry);
    Gauge.builder(REGRESSION_RATE, v, x -> x[2])
        .description(
            "Share of an experiment arm's evaluated requests with a bad verdict, trailing window")
        .tag(EXPERIMENT_TAG, key.experiment())
        .tag(ARM_TAG, key.arm())
        .register(registry);
    values.put(key, v);
    return v;
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    registrar.addFixedDelayTask(new FixedDelayTask(this::refreshQuietly, refresh, Duration.ZERO));
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      log.warn("Could not refresh experiment gauges; will retry: {}", e.toString());
    }
  }

  private record Key(String experiment, String arm) {}
}
