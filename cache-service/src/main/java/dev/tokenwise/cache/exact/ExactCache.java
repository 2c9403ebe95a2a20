package dev.tokenwise.cache.exact;

import dev.tokenwise.cache.exact.ExactCacheMetrics.LookupResult;
import dev.tokenwise.cache.namespace.CacheNamespace;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.ReactiveRedisOperations;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/**
 * Exact-match answers in Redis, keyed {@code tokenwise:cache:exact:{tenant}:{route}:{model}:{hash}}
 * (components percent-encoded, see {@link CacheNamespace#keySegment()}).
 *
 * <p>Fails open: when Redis is slow or down a lookup answers a miss within {@code lookup-timeout}
 * and a store is dropped within {@code store-timeout}; neither fails the caller's request. A lookup
 * hashes on the caller's thread (the API calls it from the parallel scheduler, never from an event
 * loop); decoding, serialisation and compression run on the parallel scheduler; Redis calls are
 * subscribed on the bounded-elastic one because Lettuce may connect synchronously when its shared
 * connection is down, and that must not block an event-loop thread.
 */
@Component
public class ExactCache {

  static final String KEY_PREFIX = "tokenwise:cache:exact:";

  private static final Logger log = LoggerFactory.getLogger(ExactCache.class);

  private final ReactiveRedisOperations<String, byte[]> redis;
  private final ExactCacheProperties properties;
  private final ExactCacheMetrics metrics;

  ExactCache(
      ReactiveRedisOperations<String, byte[]> exactCacheRedis,
      ExactCacheProperties properties,
      ExactCacheMetrics metrics) {
    this.redis = exactCacheRedis;
    this.properties = properties;
    this.metrics = metrics;
  }

  /** The stored answer to {@code request} in {@code namespace}, or a miss. Never errors. */
  public Mono<LookupOutcome> lookup(CacheNamespace namespace, JsonNode request) {
    return lookup(namespace, request, "");
  }

  /**
   * The same, for the route's prompt-template and model {@code versions} (empty: none given); an
   * answer stored under other versions never answers.
   */
  public Mono<LookupOutcome> lookup(CacheNamespace namespace, JsonNode request, String versions) {
    return lookup(namespace, request, versions, null);
  }

  /**
   * The same; {@code normalizeWhitespace} is the router's per-request choice ({@code null}: the
   * route's configured one).
   */
  public Mono<LookupOutcome> lookup(
      CacheNamespace namespace, JsonNode request, String versions, Boolean normalizeWhitespace) {
    boolean collapse = properties.normalizesWhitespace(namespace.route(), normalizeWhitespace);
    return Mono.defer(
        () -> {
          long start = System.nanoTime();
          // Hashed on the caller's thread: the API already parses the body off the event loop,
          // so one more hop to the parallel scheduler would only add a hand-off per lookup.
          return Mono.fromCallable(
                  () -> RequestFingerprint.of(namespace, request, versions, collapse))
              .flatMap(
                  entryId ->
                      redis
                          .opsForValue()
                          .get(key(namespace, entryId))
                          .subscribeOn(Schedulers.boundedElastic())
                          .timeout(properties.lookupTimeout())
                          .publishOn(Schedulers.parallel())
                          .<LookupOutcome>map(stored -> hit(entryId, ExactEntry.decode(stored)))
                          .doOnNext(hit -> metrics.lookup(LookupResult.HIT, start))
                          .switchIfEmpty(
                              Mono.fromSupplier(
                                  () -> {
                                    metrics.lookup(LookupResult.MISS, start);
                                    return new LookupOutcome.Miss(entryId);
                                  }))
                          .onErrorResume(
                              error -> {
                                log.warn("Exact cache lookup failed open: {}", error.toString());
                                metrics.lookup(LookupResult.ERROR, start);
                                return Mono.just(new LookupOutcome.Miss(entryId));
                              }));
        });
  }

  /**
   * Stores {@code response} as the answer to {@code request} in {@code namespace} for {@code
   * requestedTtl} (the default when {@code null}, cut to {@code max-ttl}), unless it must not be
   * cached. Never errors: a Redis failure yields {@link StoreOutcome.Dropped}.
   */
  public Mono<StoreOutcome> store(
      CacheNamespace namespace, JsonNode request, JsonNode response, Duration requestedTtl) {
    return store(namespace, request, response, requestedTtl, "");
  }

  /** The same, under the route's prompt-template and model {@code versions}. */
  public Mono<StoreOutcome> store(
      CacheNamespace namespace,
      JsonNode request,
      JsonNode response,
      Duration requestedTtl,
      String versions) {
    return store(namespace, request, response, requestedTtl, versions, null);
  }

  /**
   * The same; {@code normalizeWhitespace} is the router's per-request choice ({@code null}: the
   * route's configured one). Without a requested TTL the route's default TTL applies.
   */
  public Mono<StoreOutcome> store(
      CacheNamespace namespace,
      JsonNode request,
      JsonNode response,
      Duration requestedTtl,
      String versions,
      Boolean normalizeWhitespace) {
    boolean collapse = properties.normalizesWhitespace(namespace.route(), normalizeWhitespace);
    return Mono.fromCallable(
            () -> prepare(namespace, request, response, requestedTtl, versions, collapse))
        .subscribeOn(Schedulers.parallel())
        .flatMap(this::write)
        .doOnNext(metrics::store);
  }

  private PreparedStore prepare(
      CacheNamespace namespace,
      JsonNode request,
      JsonNode response,
      Duration requestedTtl,
      String versions,
      boolean collapseWhitespace) {
    Optional<String> refusal = Storability.refusal(request, response);
    if (refusal.isPresent()) {
      return PreparedStore.refused(new StoreOutcome.NotCacheable(refusal.get()));
    }
    byte[] json = ExactEntry.JSON.writeValueAsBytes(response);
    long maxBytes = properties.maxEntrySize().toBytes();
    if (json.length > maxBytes) {
      return PreparedStore.refused(new StoreOutcome.TooLarge(json.length, maxBytes));
    }
    String entryId = RequestFingerprint.of(namespace, request, versions, collapseWhitespace);
    Duration ttl = properties.effectiveTtl(requestedTtl, namespace.route());
    byte[] value =
        ExactEntry.encode(
            Instant.now().truncatedTo(ChronoUnit.MILLIS),
            json,
            properties.compressionThreshold().toBytes());
    return new PreparedStore(new StoreOutcome.Stored(entryId, ttl), key(namespace, entryId), value);
  }

  private Mono<StoreOutcome> write(PreparedStore prepared) {
    if (!(prepared.outcome() instanceof StoreOutcome.Stored stored)) {
      return Mono.just(prepared.outcome());
    }
    return redis
        .opsForValue()
        .set(prepared.key(), prepared.value(), stored.ttl())
        .subscribeOn(Schedulers.boundedElastic())
        .timeout(properties.storeTimeout())
        .<StoreOutcome>map(written -> written ? stored : new StoreOutcome.Dropped())
        .onErrorResume(
            error -> {
              log.warn("Exact cache store dropped: {}", error.toString());
              return Mono.just(new StoreOutcome.Dropped());
            });
  }

  static String key(CacheNamespace namespace, String entryId) {
    return KEY_PREFIX + namespace.keySegment() + ':' + entryId;
  }

  private static LookupOutcome hit(String entryId, ExactEntry entry) {
    return new LookupOutcome.Hit(entryId, entry.storedAt(), entry.response());
  }

  private record PreparedStore(StoreOutcome outcome, String key, byte[] value) {
    static PreparedStore refused(StoreOutcome outcome) {
      return new PreparedStore(outcome, null, null);
    }
  }
}
