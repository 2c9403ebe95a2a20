package dev.tokenwise.router.provider;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The resilience meters the router dashboard reads: {@value #FALLBACKS} (a model given up for the
 * next in its chain), Resilience4j's own {@code resilience4j.circuitbreaker.*} meters for every
 * breaker, and {@value MetricNames#TIME_TO_FIRST_CHUNK} (a percentile histogram) for accepted
 * streams. Model tags are bounded by the price catalog.
 */
@Component
public class ProviderMeters {

  /**
   * Counter of models given up for the next in the chain; {@code tokenwise_router_fallbacks_total}.
   */
  public static final String FALLBACKS = "tokenwise.router.fallbacks";

  private final MeterRegistry registry;
  private final UnaryOperator<String> models;

  @Autowired
  public ProviderMeters(MeterRegistry registry, BoundedTags tags) {
    this(registry, tags::model);
  }

  private ProviderMeters(MeterRegistry registry, UnaryOperator<String> models) {
    this.registry = registry;
    this.models = models;
  }

  /** Meters nobody reads, for a {@link ResilientProviders} built outside Spring. */
  static ProviderMeters none() {
    return new ProviderMeters(new SimpleMeterRegistry(), m -> BoundedTags.OTHER);
  }

  /** Publishes every breaker of {@code breakers}, those created later included. */
  void bind(CircuitBreakerRegistry breakers) {
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
  }

  /** {@code target} failed or its breaker was open, so the next model of the chain is tried. */
  void fallback(ResilientProviders.Target target, String reason) {
    Counter.builder(FALLBACKS)
        .description("Models given up for the next model of their fallback chain")
        .tag(MetricTags.PROVIDER_NAME, target.kind().providerName())
        .tag(MetricTags.REQUEST_MODEL, models.apply(target.model()))
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /** The first chunk of an accepted stream arrived {@code elapsed} after the call started. */
  void firstChunk(ResilientProviders.Target target, Duration elapsed) {
    Timer.builder(MetricNames.TIME_TO_FIRST_CHUNK)
        .description("Time from the provider call to the first streamed chunk")
        .tag(MetricTags.OPERATION, MetricTags.OPERATION_CHAT)
        .tag(MetricTags.PROVIDER_NAME, target.kind().providerName())
        .tag(MetricTags.REQUEST_MODEL, models.apply(target.model()))
        .publishPercentileHistogram()
        .register(registry)
        .record(elapsed);
  }
}
