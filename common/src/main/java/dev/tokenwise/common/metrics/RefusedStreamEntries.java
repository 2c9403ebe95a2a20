package dev.tokenwise.common.metrics;

import dev.tokenwise.common.security.StreamSignatures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Counts the stream entries a consumer refused, as {@link MetricNames#STREAM_ENTRIES_REFUSED}. */
public final class RefusedStreamEntries {

  private RefusedStreamEntries() {}

  /** One entry of {@code stream} refused for {@code verification}'s reason. */
  public static void count(
      MeterRegistry registry, String stream, StreamSignatures.Verification verification) {
    Counter.builder(MetricNames.STREAM_ENTRIES_REFUSED)
        .description("Redis stream entries refused for a missing, invalid or unexpected signature")
        .tag(MetricTags.STREAM, stream)
        .tag(MetricTags.REASON, verification.outcome().tag())
        .register(registry)
        .increment();
  }
}
