package dev.tokenwise.common.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.Map;

/**
 * Adds the {@link MetricTags#APPLICATION} tag to every meter and publishes percentile histograms
 * for the timers the dashboards read ({@code histogram_quantile} needs the buckets), with bucket
 * ranges fitted to each timer so the series count stays small.
 */
public final class TokenwiseMeterFilter implements MeterFilter {

  /** Timers with histograms, and the range of durations their buckets cover. */
  static final Map<String, Duration[]> HISTOGRAM_TIMERS =
      Map.of(
          MetricNames.OPERATION_DURATION, range(Duration.ofMillis(10), Duration.ofMinutes(5)),
          MetricNames.TIME_TO_FIRST_CHUNK, range(Duration.ofMillis(10), Duration.ofMinutes(1)),
          MetricNames.ROUTER_OVERHEAD, range(Duration.ofNanos(100_000), Duration.ofSeconds(5)),
          MetricNames.CACHE_LOOKUP_DURATION,
              range(Duration.ofNanos(100_000), Duration.ofSeconds(5)),
          MetricNames.HTTP_SERVER_REQUESTS, range(Duration.ofMillis(1), Duration.ofMinutes(5)));

  private final String application;

  /** {@code application} may be null: no application tag is added then. */
  public TokenwiseMeterFilter(String application) {
    this.application = application;
  }

  @Override
  public Meter.Id map(Meter.Id id) {
    if (application == null || id.getTag(MetricTags.APPLICATION) != null) {
      return id;
    }
    return id.withTag(Tag.of(MetricTags.APPLICATION, application));
  }

  @Override
  public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
    Duration[] range = HISTOGRAM_TIMERS.get(id.getName());
    if (range == null || id.getType() != Meter.Type.TIMER) {
      return config;
    }
    return DistributionStatisticConfig.builder()
        .percentilesHistogram(true)
        .minimumExpectedValue((double) range[0].toNanos())
        .maximumExpectedValue((double) range[1].toNanos())
        .build()
        .merge(config);
  }

  private static Duration[] range(Duration min, Duration max) {
    return new Duration[] {min, max};
  }
}
