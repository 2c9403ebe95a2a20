package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.common.usage.UsageStream;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * One span per ingested usage event whose stream entry carries the producing request's {@code
 * traceparent} ({@link UsageStream#TRACEPARENT}), so a request can be followed from the router to
 * its cost: a consumer span, child of the request's span, from read to commit, with the GenAI
 * attributes of the call. Off (no span, no work) unless an OTLP endpoint is configured ({@code
 * management.opentelemetry.tracing.export.otlp.endpoint}): ingest runs at thousands of events a
 * second and spans nobody exports are waste.
 */
@Component
class UsageTracing {

  static final String SPAN_NAME = "tokenwise.usage.ingest";

  private static final Propagator.Getter<Map<String, String>> GETTER = Map::get;

  private final Tracer tracer;
  private final Propagator propagator;

  UsageTracing(
      ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator, Environment env) {
    boolean exporting =
        !env.getProperty("management.opentelemetry.tracing.export.otlp.endpoint", "").isBlank();
    this.tracer = exporting ? tracer.getIfAvailable() : null;
    this.propagator = exporting ? propagator.getIfAvailable() : null;
  }

  boolean enabled() {
    return tracer != null && propagator != null;
  }

  /** Starts the span of one event read from an entry with {@code traceparent}; null when off. */
  Span start(String traceparent, UsageEvent event) {
    if (!enabled() || traceparent == null || traceparent.isBlank()) {
      return null;
    }
    Span.Builder builder = propagator.extract(Map.of(UsageStream.TRACEPARENT, traceparent), GETTER);
    builder.name(SPAN_NAME).kind(Span.Kind.CONSUMER);
    tag(builder, MetricTags.OPERATION, MetricTags.OPERATION_CHAT);
    tag(builder, MetricTags.PROVIDER_NAME, event.provider());
    tag(builder, MetricTags.REQUEST_MODEL, event.requestedModel());
    tag(builder, MetricTags.RESPONSE_MODEL, event.servedModel());
    tag(builder, "gen_ai.usage.input_tokens", Long.toString(event.inputTokens()));
    tag(builder, "gen_ai.usage.output_tokens", Long.toString(event.outputTokens()));
    tag(builder, "tokenwise.route", event.route());
    tag(builder, "tokenwise.mode", event.mode().name().toLowerCase(java.util.Locale.ROOT));
    tag(builder, "tokenwise.event_id", event.eventId().toString());
    return builder.start();
  }

  /** Ends the spans of a batch, marking them failed when it could not be stored. */
  void end(List<Span> spans, Throwable failure) {
    for (Span span : spans) {
      if (failure != null) {
        span.error(failure);
      }
      span.end();
    }
  }

  static List<Span> none() {
    return new ArrayList<>();
  }

  private static void tag(Span.Builder builder, String key, String value) {
    if (value != null) {
      builder.tag(key, value);
    }
  }
}
