package dev.tokenwise.router.usage;

import dev.tokenwise.common.usage.UsageEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Token usage as OpenTelemetry GenAI names it ({@code gen_ai.client.token.usage}, tagged by token
 * type, provider and requested model) and the delivery of usage events ({@code
 * tokenwise.router.usage.events} by delivery). Tags stay bounded: a model the price catalog does
 * not know is tagged {@code other}.
 */
@Component
public class UsageMetrics {

  static final String TOKEN_USAGE = "gen_ai.client.token.usage";
  static final String OPERATION_DURATION = "gen_ai.client.operation.duration";
  static final String EVENTS = "tokenwise.router.usage.events";

  private final MeterRegistry registry;
  private final CostEstimator catalog;
  final Counter published;
  final Counter spooled;
  final Counter drained;
  final Counter lost;

  public UsageMetrics(MeterRegistry registry, CostEstimator catalog) {
    this.registry = registry;
    this.catalog = catalog;
    this.published = events("published");
    this.spooled = events("spooled");
    this.drained = events("drained");
    this.lost = events("lost");
  }

  /**
   * Counts the tokens a provider served and times the operation ({@code
   * gen_ai.client.operation.duration}, percentile histogram for the dashboards); cache answers used
   * no provider.
   */
  void record(UsageEvent event) {
    if (event.mode().isCacheHit() || event.provider() == null) {
      return;
    }
    String model = modelTag(event.requestedModel());
    tokens("input", event.provider(), model).increment(event.inputTokens());
    tokens("output", event.provider(), model).increment(event.outputTokens());
    Timer.builder(OPERATION_DURATION)
        .description("Provider operations, from request arrival to the end of the answer")
        .tag("gen_ai.operation.name", "chat")
        .tag("gen_ai.provider.name", event.provider())
        .tag("gen_ai.request.model", model)
        .tag("outcome", event.status() == UsageEvent.Status.OK ? "ok" : "error")
        .publishPercentileHistogram()
        .register(registry)
        .record(event.latencyMs(), TimeUnit.MILLISECONDS);
  }

  String modelTag(String model) {
    return catalog.canonicalModel(model).orElse("other");
  }

  private Counter tokens(String type, String provider, String model) {
    return Counter.builder(TOKEN_USAGE)
        .description("Tokens used with LLM providers")
        .baseUnit("tokens")
        .tag("gen_ai.token.type", type)
        .tag("gen_ai.operation.name", "chat")
        .tag("gen_ai.provider.name", provider)
        .tag("gen_ai.request.model", model)
        .register(registry);
  }

  private Counter events(String delivery) {
    return Counter.builder(EVENTS)
        .description("Usage events by how they were delivered to the stream")
        .tag("delivery", delivery)
        .register(registry);
  }
}
