package dev.tokenwise.cost.quality;

import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.cost.rollup.RouteTags;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * Counters of the verdicts that feed the regression rate, for the quality dashboard: {@value
 * #FEEDBACK} by route and verdict ({@code good}, {@code bad}) and {@value #SHADOW_EVALUATIONS} by
 * route and outcome ({@code good}, {@code bad}, or {@code failed} when the replay gave no answer).
 * A feedback whose usage event is not stored yet has route {@code none}.
 */
@Component
class QualityMeters {

  static final String FEEDBACK = "tokenwise.quality.feedback";
  static final String SHADOW_EVALUATIONS = "tokenwise.quality.shadow.evaluations";

  private final MeterRegistry registry;
  private final RouteTags routeTags;

  QualityMeters(MeterRegistry registry, RouteTags routeTags) {
    this.registry = registry;
    this.routeTags = routeTags;
  }

  void feedback(String route, boolean bad) {
    Counter.builder(FEEDBACK)
        .description("End-user feedback verdicts, by route and verdict")
        .tag(MetricTags.ROUTE, routeTags.tag(route))
        .tag("verdict", bad ? "bad" : "good")
        .register(registry)
        .increment();
  }

  void shadow(String route, String outcome) {
    Counter.builder(SHADOW_EVALUATIONS)
        .description("Shadow evaluations against the route's reference model, by outcome")
        .tag(MetricTags.ROUTE, routeTags.tag(route))
        .tag(MetricTags.OUTCOME, outcome)
        .register(registry)
        .increment();
  }
}
