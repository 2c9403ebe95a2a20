package dev.tokenwise.router.usage;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.common.usage.UsageEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Token usage and provider latency under OpenTelemetry GenAI's names ({@link
 * MetricNames#TOKEN_USAGE}, {@link MetricNames#OPERATION_DURATION}), the delivery of usage events
 * ({@link MetricNames#USAGE_EVENTS} by outcome: published, spooled, drained, lost) and the spool's
 * backlog ({@link MetricNames#USAGE_SPOOL_SIZE}), and the input tokens of provider calls by how the
 * provider's prompt cache treated them ({@value #PROMPT_CACHE_TOKENS}, by route and {@code result}:
 * {@code read}, {@code write}, {@code uncached}). Model tags are bounded by the price catalog;
 * routes are the router's configuration.
 */
@Component
public class UsageMetrics {

  /** Exported as {@code tokenwise_promptcache_tokens_total}; the read share is the hit rate. */
  public static final String PROMPT_CACHE_TOKENS = "tokenwise.promptcache.tokens";

  private final MeterRegistry registry;
  private final BoundedTags tags;
  private final Map<Key, ProviderMeters> providerMeters = new ConcurrentHashMap<>();
  final Counter published;
  final Counter spooled;
  final Counter drained;
  final Counter lost;

  public UsageMetrics(MeterRegistry registry, BoundedTags tags, UsageSpool spool) {
    this.registry = registry;
    this.tags = tags;
    this.published = events("published");
    this.spooled = events("spooled");
    this.drained = events("drained");
    this.lost = events("lost");
    Gauge.builder(MetricNames.USAGE_SPOOL_SIZE, spool, UsageSpool::pending)
        .description("Usage events waiting in the local spool for Redis")
        .register(registry);
  }

  /**
   * Counts the tokens a provider served and times the operation; cache answers used no provider.
   */
  void record(UsageEvent event) {
    if (event.mode().isCacheHit() || event.provider() == null) {
      return;
    }
    String route = event.route() == null ? BoundedTags.NONE : event.route();
    ProviderMeters meters =
        providerMeters.computeIfAbsent(
            new Key(
                BoundedTags.provider(event.provider()),
                tags.model(event.requestedModel()),
                route,
                event.status() == UsageEvent.Status.OK),
            this::meters);
    meters.input.increment(event.inputTokens());
    meters.output.increment(event.outputTokens());
    long written = event.cacheWriteTokens() == null ? 0 : event.cacheWriteTokens().total();
    long read = event.cachedInputTokens();
    meters.read.increment(read);
    meters.written.increment(written);
    meters.uncached.increment(Math.max(0, event.inputTokens() - read - written));
    meters.duration.record(event.latencyMs(), TimeUnit.MILLISECONDS);
  }

  /**
   * The meters of one tag combination, looked up once: building and registering six meters per
   * event cost more CPU than the rest of the event's bookkeeping. Tags are bounded (catalog models,
   * configured routes), so the map is too.
   */
  private ProviderMeters meters(Key key) {
    return new ProviderMeters(
        tokens(MetricTags.TOKEN_TYPE_INPUT, key.provider(), key.model()),
        tokens(MetricTags.TOKEN_TYPE_OUTPUT, key.provider(), key.model()),
        promptCache(key.route(), "read"),
        promptCache(key.route(), "write"),
        promptCache(key.route(), "uncached"),
        Timer.builder(MetricNames.OPERATION_DURATION)
            .description("Provider operations, from request arrival to the end of the answer")
            .tag(MetricTags.OPERATION, MetricTags.OPERATION_CHAT)
            .tag(MetricTags.PROVIDER_NAME, key.provider())
            .tag(MetricTags.REQUEST_MODEL, key.model())
            .tag(MetricTags.ERROR_TYPE, key.ok() ? "none" : "_OTHER")
            .register(registry));
  }

  private record Key(String provider, String model, String route, boolean ok) {}

  private record ProviderMeters(
      Counter input,
      Counter output,
      Counter read,
      Counter written,
      Counter uncached,
      Timer duration) {}

  private Counter tokens(String type, String provider, String model) {
    return Counter.builder(MetricNames.TOKEN_USAGE)
        .description("Tokens used with LLM providers")
        .baseUnit(MetricTags.UNIT_TOKENS)
        .tag(MetricTags.TOKEN_TYPE, type)
        .tag(MetricTags.OPERATION, MetricTags.OPERATION_CHAT)
        .tag(MetricTags.PROVIDER_NAME, provider)
        .tag(MetricTags.REQUEST_MODEL, model)
        .register(registry);
  }

  private Counter promptCache(String route, String result) {
    return Counter.builder(PROMPT_CACHE_TOKENS)
        .description("Input tokens of provider calls by prompt-cache result: read, write, uncached")
        .tag(MetricTags.ROUTE, route)
        .tag("result", result)
        .register(registry);
  }

  private Counter events(String outcome) {
    return Counter.builder(MetricNames.USAGE_EVENTS)
        .description("Usage events by how they reached the stream")
        .tag(MetricTags.OUTCOME, outcome)
        .register(registry);
  }
}
