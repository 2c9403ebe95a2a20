package dev.tokenwise.router.cache;

import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.ChannelOption;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Client of cache-service's {@code /internal/cache/lookup} and {@code /internal/cache/store}. The
 * cache fails open (DESIGN.md, "Reliability"): an error or a slow answer is a bypass, counted in
 * {@code tokenwise.cache.lookups{result="bypass"}}, never a failed request.
 */
@Component
public class ExactCacheClient {

  private static final Logger log = LoggerFactory.getLogger(ExactCacheClient.class);

  /** Stores sent to cache-service, by outcome: stored, failed (refused or unreachable). */
  static final String STORES = "tokenwise.router.cache.stores";

  /** Only complete answers are worth replaying; {@code length} was cut short. */
  private static final Set<String> STORABLE_FINISH_REASONS = Set.of("stop", "tool_calls");

  private final CacheProperties properties;
  private final JsonMapper json;
  private final WebClient client;
  private final MeterRegistry registry;
  private final Counter stored;
  private final Counter storeFailed;

  public ExactCacheClient(CacheProperties properties, JsonMapper json, MeterRegistry registry) {
    this.properties = properties;
    this.json = json;
    HttpClient http =
        HttpClient.create()
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, properties.connectTimeout().toMillis()));
    this.client =
        WebClient.builder()
            .baseUrl(properties.baseUrl().toString())
            .clientConnector(new ReactorClientHttpConnector(http))
            .codecs(
                c ->
                    c.defaultCodecs()
                        .maxInMemorySize(
                            (int)
                                Math.min(
                                    Integer.MAX_VALUE - 8, properties.maxResponseSize().toBytes())))
            .build();
    this.registry = registry;
    this.stored = Counter.builder(STORES).tag(MetricTags.OUTCOME, "stored").register(registry);
    this.storeFailed = Counter.builder(STORES).tag(MetricTags.OUTCOME, "failed").register(registry);
  }

  /** Looks the request up; never fails, a broken or slow cache-service reads as a bypass. */
  public Mono<CacheLookup> lookup(String tenant, String route, String model, ObjectNode request) {
    if (!properties.enabled()) {
      return Mono.just(CacheLookup.bypass());
    }
    ObjectNode body = namespace(tenant, route, model, request);
    long started = System.nanoTime();
    return client
        .post()
        .uri("/internal/cache/lookup")
        .contentType(MediaType.APPLICATION_JSON)
        .accept(MediaType.APPLICATION_JSON)
        .bodyValue(json.writeValueAsBytes(body))
        .retrieve()
        .bodyToMono(byte[].class)
        .map(this::toLookup)
        .timeout(properties.timeout())
        .onErrorResume(
            e -> {
              log.warn("Cache lookup failed, continuing uncached: {}", e.toString());
              return Mono.just(CacheLookup.bypass());
            })
        .defaultIfEmpty(CacheLookup.bypass())
        .doOnNext(lookup -> count(lookup, route, System.nanoTime() - started));
  }

  /** True when an answer with this finish reason may be stored. */
  public static boolean isStorable(String finishReason) {
    return finishReason != null && STORABLE_FINISH_REASONS.contains(finishReason);
  }

  /**
   * Stores a provider answer in the background: the client is answered without waiting, and a
   * failure is logged and counted, never surfaced.
   */
  public void storeInBackground(
      String tenant, String route, String model, ObjectNode request, JsonNode response) {
    if (!properties.enabled()) {
      return;
    }
    ObjectNode body = namespace(tenant, route, model, request);
    body.set("response", response);
    if (properties.ttl() != null) {
      body.put("ttl", properties.ttl().toString());
    }
    client
        .post()
        .uri("/internal/cache/store")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(json.writeValueAsBytes(body))
        .retrieve()
        .toBodilessEntity()
        .timeout(properties.storeTimeout())
        .subscribe(
            ok -> stored.increment(),
            e -> {
              storeFailed.increment();
              log.warn("Cache store failed: {}", e.toString());
            });
  }

  private ObjectNode namespace(String tenant, String route, String model, ObjectNode request) {
    ObjectNode body = json.createObjectNode();
    body.put("tenant", tenant);
    body.put("route", route);
    body.put("model", model);
    body.set("request", request);
    return body;
  }

  private CacheLookup toLookup(byte[] bytes) {
    JsonNode answer = json.readTree(bytes);
    String result = answer.path("result").asString("");
    if ("hit-exact".equals(result) && answer.get("response") instanceof ObjectNode response) {
      return CacheLookup.hit(response);
    }
    if ("miss".equals(result)) {
      return CacheLookup.miss();
    }
    log.warn("Unexpected cache lookup answer '{}', continuing uncached", result);
    return CacheLookup.bypass();
  }

  /** Route values come from configuration, never from the client: bounded. */
  private void count(CacheLookup lookup, String route, long nanos) {
    Counter.builder(MetricNames.CACHE_LOOKUPS)
        .description("Exact-cache lookups by result; bypass = disabled, failed or timed out")
        .tag(MetricTags.CACHE_RESULT, lookup.result().header())
        .tag(MetricTags.ROUTE, route)
        .register(registry)
        .increment();
    Timer.builder(MetricNames.CACHE_LOOKUP_DURATION)
        .tag(MetricTags.ROUTE, route)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }
}
