package dev.tokenwise.router.trace;

import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.common.usage.UsageEvent;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.TracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

/**
 * The request's server span, found once on the exchange where WebFlux's server observation keeps it
 * (not in a thread-local, which a Reactor chain may not carry to every callback), and the spans
 * derived from it: the W3C {@code traceparent} a usage event carries, and the GenAI client span of
 * a provider call. Unsampled or untraced requests get neither, at no cost beyond the lookup.
 */
@Component
public class RequestTraces {

  /** OpenTelemetry GenAI span attributes without a metric tag of the same name. */
  static final String INPUT_TOKENS = "gen_ai.usage.input_tokens";

  static final String OUTPUT_TOKENS = "gen_ai.usage.output_tokens";

  private static final Propagator.Setter<Map<String, String>> SETTER = Map::put;

  private final Tracer tracer;
  private final Propagator propagator;

  public RequestTraces(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
    this.tracer = tracer.getIfAvailable();
    this.propagator = propagator.getIfAvailable();
  }

  /** The exchange's sampled server span, or null. */
  private Span serverSpan(ServerWebExchange exchange) {
    if (tracer == null || propagator == null) {
      return null;
    }
    Span span =
        ServerRequestObservationContext.findCurrent(exchange.getAttributes())
            .map(
                context ->
                    context.<TracingObservationHandler.TracingContext>get(
                        TracingObservationHandler.TracingContext.class))
            .map(TracingObservationHandler.TracingContext::getSpan)
            .orElse(null);
    return span != null && Boolean.TRUE.equals(span.context().sampled()) ? span : null;
  }

  /** The W3C {@code traceparent} of the request's span when it is sampled, else null. */
  public String traceparent(ServerWebExchange exchange) {
    Span span = serverSpan(exchange);
    if (span == null) {
      return null;
    }
    Map<String, String> carrier = new HashMap<>(4);
    propagator.inject(span.context(), carrier, SETTER);
    return carrier.get("traceparent");
  }

  /**
   * Starts the client span of one provider call (retries and fallbacks included), named as the
   * OpenTelemetry GenAI conventions name it ({@code chat <model>}), child of the request's span.
   */
  public ProviderSpan providerCall(ServerWebExchange exchange, String provider, String model) {
    Span parent = serverSpan(exchange);
    if (parent == null) {
      return ProviderSpan.NONE;
    }
    Span span =
        tracer
            .spanBuilder()
            .setParent(parent.context())
            .name(MetricTags.OPERATION_CHAT + " " + model)
            .kind(Span.Kind.CLIENT)
            .tag(MetricTags.OPERATION, MetricTags.OPERATION_CHAT)
            .tag(MetricTags.PROVIDER_NAME, provider)
            .tag(MetricTags.REQUEST_MODEL, model)
            .start();
    return new ProviderSpan(span);
  }

  /**
   * A provider call's span, ended once with the facts of its usage event: the provider and model
   * that answered (a fallback may differ from the request's) and the tokens.
   */
  public static final class ProviderSpan {

    /** The span of an untraced call: ending it does nothing. */
    public static final ProviderSpan NONE = new ProviderSpan(null);

    private final Span span;
    private final AtomicBoolean ended = new AtomicBoolean();

    private ProviderSpan(Span span) {
      this.span = span;
    }

    /**
     * Ends the span with the event's attributes; later calls do nothing. The response model is the
     * one the provider's answer named ({@code gpt-5-mini-2025-08-07}), else the event's served
     * model.
     */
    public void end(UsageEvent event, String responseModel) {
      if (span == null || !ended.compareAndSet(false, true)) {
        return;
      }
      span.tag(MetricTags.PROVIDER_NAME, event.provider());
      span.tag(
          MetricTags.RESPONSE_MODEL, responseModel != null ? responseModel : event.servedModel());
      span.tag(INPUT_TOKENS, event.inputTokens());
      span.tag(OUTPUT_TOKENS, event.outputTokens());
      if (event.status() != UsageEvent.Status.OK) {
        span.tag(MetricTags.ERROR_TYPE, event.status().name().toLowerCase(Locale.ROOT));
      }
      span.end();
    }
  }
}
