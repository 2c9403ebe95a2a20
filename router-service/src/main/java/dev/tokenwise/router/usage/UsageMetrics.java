package dev.tokenwise.router.usage;

import dev.tokenwise.common.usage.UsageEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * Token usage as OpenTelemetry GenAI names it ({@code gen_ai.client.token.usage}, tagged by token
 * type, provider and requested model) and the delivery of usage events ({@code
 * tokenwise.router.usage.events} by delivery). Tags stay bounded: a model name enters the tag set
 * only while fewer than {@value #MAX_MODELS} names are known; the rest are {@code other}.
 */
@Component
public class UsageMetrics {

  static final String TOKEN_USAGE = "gen_ai.client.token.usage";
  static final String EVENTS = "tokenwise.router.usage.events";
  static final int MAX_MODELS = 64;
  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9._:/-]{1,64}");

  private final MeterRegistry registry;
  private final Set<String> knownModels = ConcurrentHashMap.newKeySet();
  final Counter published;
  final Counter spooled;
  final Counter drained;
  final Counter lost;

  public UsageMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.published = events("published");
    this.spooled = events("spooled");
    this.drained = events("drained");
    this.lost = events("lost");
  }

  /** Counts the tokens a provider served; cache answers used no provider tokens. */
  void recordTokens(UsageEvent event) {
    if (event.mode().isCacheHit() || event.provider() == null) {
      return;
    }
    String model = modelTag(event.requestedModel());
    tokens("input", event.provider(), model).increment(event.inputTokens());
    tokens("output", event.provider(), model).increment(event.outputTokens());
  }

  String modelTag(String model) {
    if (model == null || !MODEL_NAME.matcher(model).matches()) {
      return "other";
    }
    if (knownModels.contains(model)) {
      return model;
    }
    if (knownModels.size() < MAX_MODELS) {
      knownModels.add(model);
      return model;
    }
    return "other";
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
