package dev.tokenwise.router.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.pricing.PriceCatalogs;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the router dashboard's fallback, breaker and time-to-first-chunk panels read. */
class ProviderMetersTests {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ProviderMeters meters =
      new ProviderMeters(registry, new BoundedTags(PriceCatalogs.bundled().current()));

  @Test
  void breakersCreatedAfterBindingArePublishedWithTheirState() {
    CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
    meters.bind(breakers);
    CircuitBreaker breaker = breakers.circuitBreaker("openai:gpt-5-nano");
    breaker.transitionToOpenState();
    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("resilience4j_circuitbreaker_state{")
        .containsPattern(
            "resilience4j_circuitbreaker_state\\{[^}]*name=\"openai:gpt-5-nano\""
                + "[^}]*state=\"open\"[^}]*} 1");
  }

  @Test
  void fallbacksAreCountedWithBoundedModelTags() {
    meters.fallback(new ResilientProviders.Target(ProviderKind.OPENAI, "gpt-5-nano"), "error");
    meters.fallback(
        new ResilientProviders.Target(ProviderKind.OPENAI, "made-up-model-" + System.nanoTime()),
        "breaker-open");
    String scrape = registry.scrape();
    assertThat(scrape)
        .containsPattern(
            "tokenwise_router_fallbacks_total\\{[^}]*gen_ai_request_model=\"gpt-5-nano\""
                + "[^}]*reason=\"error\"[^}]*} 1")
        .containsPattern("tokenwise_router_fallbacks_total\\{[^}]*gen_ai_request_model=\"other\"")
        .doesNotContain("made-up-model");
  }

  @Test
  void timeToFirstChunkPublishesAHistogram() {
    meters.firstChunk(
        new ResilientProviders.Target(ProviderKind.ANTHROPIC, "claude-haiku-4-5"),
        Duration.ofMillis(120));
    assertThat(registry.scrape())
        .contains("gen_ai_client_operation_time_to_first_chunk_seconds_bucket{");
  }
}
