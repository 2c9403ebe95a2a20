package dev.tokenwise.router.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * Per-route counters of the output tactics: answers cut at the output cap ({@code
 * finish_reason=length}, so a cap set too low shows) and schema repairs. Route names come from
 * configuration, so the tag is bounded.
 */
@Component
class RouteMetrics {

  static final String TRUNCATED = "tokenwise.output.truncated";
  static final String REPAIRED = "tokenwise.output.schema.repairs";
  static final String STREAM_INVALID = "tokenwise.output.schema.invalid-streams";

  private final MeterRegistry meters;

  RouteMetrics(MeterRegistry meters) {
    this.meters = meters;
  }

  void answered(String route, String finishReason) {
    if ("length".equals(finishReason)) {
      Counter.builder(TRUNCATED)
          .description("Answers cut at the output-token cap, by route")
          .tag("route", route)
          .register(meters)
          .increment();
    }
  }

  void repaired(String route) {
    Counter.builder(REPAIRED)
        .description("Answers that failed the route's JSON schema and got a repair request")
        .tag("route", route)
        .register(meters)
        .increment();
  }

  void streamFailedSchema(String route) {
    Counter.builder(STREAM_INVALID)
        .description("Streamed answers that did not match the route's JSON schema once complete")
        .tag("route", route)
        .register(meters)
        .increment();
  }
}
