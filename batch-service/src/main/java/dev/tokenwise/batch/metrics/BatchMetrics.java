package dev.tokenwise.batch.metrics;

import dev.tokenwise.batch.provider.Provider;
import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Meters the batch dashboard reads: {@code tokenwise.batch.requests} by outcome ({@code accepted},
 * {@code succeeded}, {@code failed}, {@code resubmitted}, {@code sync-fallback}, {@code
 * cache-hit}); and, read from PostgreSQL when scraped (indexed counts), {@code
 * tokenwise.batch.queue.depth} by provider, {@code tokenwise.batch.queue.oldest.age} (seconds) and
 * {@code tokenwise.batch.batches} by state. Every tag value is from a fixed set.
 */
@Component
public class BatchMetrics {

  /** Outcomes of {@code tokenwise.batch.requests}. */
  public enum Outcome {
    ACCEPTED("accepted"),
    SUCCEEDED("succeeded"),
    FAILED("failed"),
    RESUBMITTED("resubmitted"),
    SYNC_FALLBACK("sync-fallback"),
    CACHE_HIT("cache-hit");

    private final String tag;

    Outcome(String tag) {
      this.tag = tag;
    }
  }

  private static final List<String> STATES =
      List.of("assigned", "written", "uploaded", "submitting", "submitted", "collected");

  private final MeterRegistry registry;

  BatchMetrics(MeterRegistry registry, JdbcTemplate jdbc) {
    this.registry = registry;
    for (Outcome outcome : Outcome.values()) {
      counter(outcome);
    }
    for (Provider provider : Provider.values()) {
      Gauge.builder(
              "tokenwise.batch.queue.depth",
              () ->
                  read(
                      () ->
                          jdbc.queryForObject(
                              "select count(*) from batch.deferred_request"
                                  + " where status = 'queued' and provider = ?",
                              Long.class,
                              provider.id())))
          .description("Deferred requests waiting to be assembled into a provider batch")
          .tag(MetricTags.PROVIDER, provider.id())
          .register(registry);
    }
    Gauge.builder(
            "tokenwise.batch.queue.oldest.age",
            () ->
                read(
                    () ->
                        jdbc.queryForObject(
                            "select coalesce(extract(epoch from now() - min(created_at)), 0)"
                                + " from batch.deferred_request where status = 'queued'",
                            Double.class)))
        .description("Age of the oldest queued deferred request")
        .baseUnit("seconds")
        .register(registry);
    for (String state : STATES) {
      Gauge.builder(
              "tokenwise.batch.batches",
              () ->
                  read(
                      () ->
                          jdbc.queryForObject(
                              "select count(*) from batch.provider_batch where state = ?",
                              Long.class,
                              state)))
          .description("Provider batches by state")
          .tag("state", state)
          .register(registry);
    }
  }

  public void count(Outcome outcome) {
    counter(outcome).increment();
  }

  public void count(Outcome outcome, int n) {
    counter(outcome).increment(n);
  }

  private Counter counter(Outcome outcome) {
    return Counter.builder(MetricNames.BATCH_REQUESTS)
        .description("Deferred requests handled by batch-service, by outcome")
        .tag(MetricTags.OUTCOME, outcome.tag)
        .register(registry);
  }

  private static double read(Supplier<? extends Number> query) {
    try {
      Number n = query.get();
      return n == null ? 0 : n.doubleValue();
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }
}
