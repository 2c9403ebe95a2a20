package dev.tokenwise.router.cache;

import dev.tokenwise.common.cache.CacheApi;
import dev.tokenwise.common.cache.VerdictStream;
import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.router.request.Deadlines;
import dev.tokenwise.router.request.RandomIds;
import dev.tokenwise.router.route.RouteProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.RedisStreamCommands.XAddOptions;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
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
 * Client of cache-service's {@code /internal/cache/lookup}, {@code /store} and {@code /shadow}
 * (exact and semantic; cache-service's README, "What the router sends"). The cache fails open (a
 * cache must never fail a request): an error or a slow answer is a bypass, counted in {@code
 * tokenwise.cache.lookups{result="bypass"}}, never a failed request.
 */
@Component
public class CacheClient {

  private static final Logger log = LoggerFactory.getLogger(CacheClient.class);

  /**
   * Verdicts for cache-service, by outcome: queued (on the verdict stream), sent (over HTTP, the
   * stream having failed), failed (both failed: the verdict is lost).
   */
  static final String SHADOW_REPORTS = "tokenwise.router.cache.shadow.reports";

  /** Stores sent to cache-service, by outcome: stored, failed (refused or unreachable). */
  static final String STORES = "tokenwise.router.cache.stores";

  /**
   * Background stores sent and not yet answered (exported as {@code
   * tokenwise_router_cache_stores_in_flight}): a backlog that grows means cache-service is slower
   * than the traffic, and 0 means every answer given so far has been stored or has failed to be.
   */
  static final String STORES_IN_FLIGHT = "tokenwise.router.cache.stores.in.flight";

  /** Only complete answers are worth replaying; {@code length} was cut short. */
  private static final Set<String> STORABLE_FINISH_REASONS = Set.of("stop", "tool_calls");

  private final CacheProperties properties;
  private final JsonMapper json;
  private final WebClient client;
  private final ServiceTokens tokens;
  private final MeterRegistry registry;
  private final Counter stored;
  private final Counter storeFailed;
  private final AtomicInteger storesInFlight = new AtomicInteger();
  private final ModelVersions modelVersions = new ModelVersions();
  private final ReactiveStringRedisTemplate redis;
  private final StreamSignatures signatures;

  public CacheClient(
      CacheProperties properties,
      JsonMapper json,
      MeterRegistry registry,
      ObservationRegistry observations,
      ServiceTokens tokens,
      ReactiveStringRedisTemplate redis,
      StreamSignatures signatures) {
    this.properties = properties;
    this.redis = redis;
    this.signatures = signatures;
    this.tokens = tokens;
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
            .observationRegistry(observations)
            .build();
    this.registry = registry;
    this.stored = Counter.builder(STORES).tag(MetricTags.OUTCOME, "stored").register(registry);
    this.storeFailed = Counter.builder(STORES).tag(MetricTags.OUTCOME, "failed").register(registry);
    Gauge.builder(STORES_IN_FLIGHT, storesInFlight, AtomicInteger::get)
        .description("Background cache stores sent and not yet answered")
        .register(registry);
  }

  /**
   * Looks the request up, exact then (when the route allows) semantic; never fails, a broken or
   * slow cache-service reads as a bypass.
   */
  public Mono<CacheLookup> lookup(CacheQuery query) {
    if (!enabled(query)) {
      return Mono.just(CacheLookup.bypass());
    }
    CacheApi.Lookup body = query.lookup(json.createObjectNode(), modelVersions.of(query.model()));
    boolean storable = !query.noStore();
    String route = query.route();
    long started = System.nanoTime();
    return client
        .post()
        .uri(CacheApi.LOOKUP)
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.CACHE, query.tenant()))
        .contentType(MediaType.APPLICATION_JSON)
        .accept(MediaType.APPLICATION_JSON)
        .bodyValue(json.writeValueAsBytes(body))
        .retrieve()
        .bodyToMono(byte[].class)
        .map(bytes -> toLookup(bytes, storable))
        .transform(call -> Deadlines.within(call, properties.timeout()))
        .onErrorResume(
            e -> {
              log.warn("Cache lookup failed, continuing uncached: {}", e.toString());
              return Mono.just(CacheLookup.bypass());
            })
        .defaultIfEmpty(CacheLookup.bypass())
        .doOnNext(lookup -> count(lookup, route, System.nanoTime() - started));
  }

  /**
   * The {@code policy} member a lookup for this route and model would send now, for a request
   * answered elsewhere (batch-service's {@code cachePolicy}) whose lookups and stores must key like
   * the router's.
   */
  public ObjectNode policy(String model, RouteProperties.Cache cache) {
    ObjectNode policy = json.createObjectNode();
    CacheQuery.writePolicy(
        policy, cache == null ? RouteProperties.Cache.defaults() : cache, modelVersions.of(model));
    return policy;
  }

  /** True when an answer with this finish reason may be stored. */
  public static boolean isStorable(String finishReason) {
    return finishReason != null && STORABLE_FINISH_REASONS.contains(finishReason);
  }

  /** Whether the route's answers are looked up and stored at all. */
  public boolean enabled(CacheQuery query) {
    return properties.enabled() && query.policy().enabled();
  }

  /**
   * Stores a provider answer in the background: the client is answered without waiting, and a
   * failure is logged and counted, never surfaced. Sends the same policy as the lookup, with the
   * model snapshot this answer reports.
   */
  public void storeInBackground(CacheQuery query, JsonNode response) {
    if (!enabled(query) || query.noStore()) {
      return;
    }
    JsonNode reported = response.path("model");
    if (reported.isString()) {
      modelVersions.answered(query.model(), reported.asString());
    }
    Duration ttl = query.policy().ttl() != null ? query.policy().ttl() : properties.ttl();
    CacheApi.Store body =
        query.store(json.createObjectNode(), modelVersions.of(query.model()), response, ttl);
    // Counted before the client is answered (the caller answers after this returns), so 0 in flight
    // means every answer already given has been stored or has failed to be.
    storesInFlight.incrementAndGet();
    client
        .post()
        .uri(CacheApi.STORE)
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.CACHE, query.tenant()))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(json.writeValueAsBytes(body))
        .retrieve()
        .toBodilessEntity()
        .timeout(properties.storeTimeout())
        .doFinally(signal -> storesInFlight.decrementAndGet())
        .subscribe(
            ok -> stored.increment(),
            e -> {
              storeFailed.increment();
              log.warn("Cache store failed: {}", e.toString());
            });
  }

  /**
   * Tells cache-service, in the background, whether a semantic hit's answer agreed with the model's
   * own answer to the same request; the share of disagreements is the route's live false-hit
   * estimate there ({@code tokenwise_cache_semantic_false_hit_estimate}).
   *
   * <p>The verdict goes on the verdict stream ({@link VerdictStream}, signed as router-service),
   * where cache-service takes it whenever it runs and acknowledges it only once recorded: a
   * cache-service that is down or restarting loses none. When the stream write fails or takes
   * longer than {@link CacheProperties#verdictsTimeout()} (Redis down), it is posted to {@code
   * /internal/cache/shadow} instead; only when both fail is it lost (counted {@code failed}). Both
   * carry the same verdict id, so a verdict whose slow write did reach the stream and was posted
   * too still counts once.
   */
  public void reportShadow(CacheQuery query, String entryId, boolean agreed) {
    CacheApi.ShadowReport body =
        new CacheApi.ShadowReport(
            query.tenant(),
            query.route(),
            query.model(),
            entryId == null || entryId.isBlank() ? null : entryId,
            null,
            agreed,
            RandomIds.uuid().toString());
    byte[] report = json.writeValueAsBytes(body);
    queueVerdict(report)
        .map(id -> "queued")
        .onErrorResume(
            streamError -> {
              log.debug("Verdict not queued, posting it: {}", streamError.toString());
              return postVerdict(query.tenant(), report).thenReturn("sent");
            })
        .subscribe(
            this::shadowReported,
            e -> {
              shadowReported("failed");
              log.warn("Shadow report lost, neither queued nor posted: {}", e.toString());
            });
  }

  /** One XADD of the signed report on the verdict stream, bounded by the verdict timeout. */
  private Mono<String> queueVerdict(byte[] report) {
    Map<String, String> fields =
        signatures.sign(
            VerdictStream.KEY,
            Map.of(
                VerdictStream.FIELD, new String(report, java.nio.charset.StandardCharsets.UTF_8)));
    return Deadlines.within(
            Mono.defer(
                () ->
                    redis
                        .opsForStream()
                        .add(
                            StreamRecords.string(fields).withStreamKey(VerdictStream.KEY),
                            XAddOptions.maxlen(properties.verdictsMaxLength())
                                .approximateTrimming(true))),
            properties.verdictsTimeout())
        .map(id -> id.getValue());
  }

  /** {@code POST /internal/cache/shadow}: the fallback when the stream cannot take the verdict. */
  private Mono<Void> postVerdict(String tenant, byte[] report) {
    return client
        .post()
        .uri(CacheApi.SHADOW)
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.CACHE, tenant))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(report)
        .retrieve()
        .toBodilessEntity()
        .timeout(properties.storeTimeout())
        .then();
  }

  private void shadowReported(String outcome) {
    Counter.builder(SHADOW_REPORTS)
        .description("Shadow verdicts sent to cache-service, by outcome")
        .tag(MetricTags.OUTCOME, outcome)
        .register(registry)
        .increment();
  }

  private CacheLookup toLookup(byte[] bytes, boolean storable) {
    CacheApi.LookupResult answer = json.readValue(bytes, CacheApi.LookupResult.class);
    String result = answer.result() == null ? "" : answer.result();
    if (CacheApi.LookupResult.HIT_EXACT.equals(result)
        && answer.response() instanceof ObjectNode response) {
      return CacheLookup.exact(answer.entryId(), response);
    }
    if (CacheApi.LookupResult.HIT_SEMANTIC.equals(result)
        && answer.response() instanceof ObjectNode response) {
      return CacheLookup.semantic(answer.entryId(), response, Boolean.TRUE.equals(answer.shadow()));
    }
    if (CacheApi.LookupResult.MISS.equals(result)) {
      return new CacheLookup(CacheLookup.Result.MISS, null, null, false, storable);
    }
    if (CacheApi.LookupResult.BYPASS.equals(result)) {
      // the client's no-cache: a fresh answer, which may be stored unless it also said no-store
      return CacheLookup.bypass(storable && !Boolean.FALSE.equals(answer.store()));
    }
    log.warn("Unexpected cache lookup answer '{}', continuing uncached", result);
    return CacheLookup.bypass();
  }

  /** Route values come from configuration, never from the client: bounded. */
  private void count(CacheLookup lookup, String route, long nanos) {
    Counter.builder(MetricNames.CACHE_LOOKUPS)
        .description(
            "Response-cache lookups by result; bypass = disabled, refused by the client's"
                + " Cache-Control, failed or timed out")
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
