package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.namespace.CacheNamespace;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Gray-zone promotion, off the request path: a lookup whose best candidate passed the guards just
 * below the threshold answers a miss and {@link #offer offers} the pair here; a checker on every
 * replica takes pairs from the shared queue and scores each with the {@link PairVerifier} against
 * the route's stricter {@code promotionThreshold}; a confirmed pair becomes an <em>alias</em>: the
 * asked request's exact-cache key, in the same tenant/route/model namespace, pointing at the
 * candidate's semantic entry, living as long as that entry. The next identical request hits through
 * it (a semantic hit whose {@code entryId} is the alias's, 64 hex digits; a disagreeing verdict on
 * that id removes the alias).
 *
 * <p>In Redis: the queue is the list {@code tokenwise:cache:promotions} (bounded by {@code
 * queue-capacity}; shared by the replicas, so it survives restarts); {@code
 * tokenwise:cache:promotions:claimed} is the sorted set of the pairs checkers have taken, scored by
 * the end of their lease, and {@code tokenwise:cache:promotions:attempts} counts how often each was
 * taken. A pair leaves the claimed set only once its decision is written, so a pair whose checker
 * died (or lost Redis) before deciding it is taken again by any replica when its lease has run out
 * — at least once, and deciding a pair twice writes the same alias or marker — and abandoned after
 * {@code max-attempts} leases. {@code tokenwise:cache:promotion:{namespace}:{aliasId}} marks a pair
 * queued or decided for {@code decision-memory}, so a question asked again and again is checked
 * once; {@code tokenwise:cache:alias:{namespace}:{aliasId}} holds {@code
 * candidateEntryId:similarity}.
 *
 * <p>The request path never waits: {@link #offer} starts the queue write and returns; writes a
 * replica has pending are capped ({@code max-in-flight}), beyond which a pair is dropped and
 * counted, as it is when the queue is full. The checker scores on one thread of its own.
 */
final class Promotions implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Promotions.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  static final String QUEUE = "tokenwise:cache:promotions";
  static final String CLAIMED = QUEUE + ":claimed";
  static final String ATTEMPTS = QUEUE + ":attempts";
  static final String MARKER_PREFIX = "tokenwise:cache:promotion:";
  static final String ALIAS_PREFIX = "tokenwise:cache:alias:";

  /** 1 queued, 0 queue full (marker undone), 2 already queued or decided. */
  private static final RedisScript<Long> OFFER =
      RedisScript.of(
          """
          if redis.call('EXISTS', KEYS[3]) == 1 then return 2 end
          if not redis.call('SET', KEYS[2], 'queued', 'NX', 'PX', ARGV[3]) then return 2 end
          if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[2]) then
            redis.call('DEL', KEYS[2])
            return 0
          end
          redis.call('RPUSH', KEYS[1], ARGV[1])
          return 1
          """,
          Long.class);

  /**
   * Takes up to ARGV[3] pairs under a lease ending at ARGV[2]: first those whose lease ended by
   * ARGV[1] (a checker died or lost Redis before deciding them; abandoned after ARGV[4] leases),
   * then from the queue. Returns {abandoned, taken again, the pairs...}.
   */
  private static final RedisScript<List> CLAIM =
      RedisScript.of(
          """
          local batch = tonumber(ARGV[3])
          local taken = {}
          local abandoned = 0
          local again = 0
          local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, batch)
          for _, pair in ipairs(expired) do
            if tonumber(redis.call('HGET', KEYS[3], pair) or '0') >= tonumber(ARGV[4]) then
              redis.call('ZREM', KEYS[2], pair)
              redis.call('HDEL', KEYS[3], pair)
              abandoned = abandoned + 1
            else
              redis.call('ZADD', KEYS[2], ARGV[2], pair)
              redis.call('HINCRBY', KEYS[3], pair, 1)
              again = again + 1
              table.insert(taken, pair)
            end
          end
          if #taken < batch then
            local popped = redis.call('LPOP', KEYS[1], batch - #taken)
            if popped then
              for _, pair in ipairs(popped) do
                redis.call('ZADD', KEYS[2], ARGV[2], pair)
                redis.call('HINCRBY', KEYS[3], pair, 1)
                table.insert(taken, pair)
              end
            end
          end
          table.insert(taken, 1, tostring(abandoned))
          table.insert(taken, 2, tostring(again))
          return taken
          """,
          List.class);

  /** A decided pair leaves the claimed set. */
  private static final RedisScript<Long> RELEASE =
      RedisScript.of(
          """
          redis.call('HDEL', KEYS[2], ARGV[1])
          return redis.call('ZREM', KEYS[1], ARGV[1])
          """,
          Long.class);

  /** The alias, with the candidate entry's remaining TTL; 0 when the entry has gone. */
  private static final RedisScript<Long> CONFIRM =
      RedisScript.of(
          """
          local ttl = redis.call('PTTL', KEYS[1])
          if ttl <= 0 then return 0 end
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ttl)
          redis.call('SET', KEYS[3], 'confirmed', 'PX', ARGV[2])
          return ttl
          """,
          Long.class);

  /** A gray-zone pair waiting for its check. */
  record Pair(
      CacheNamespace namespace,
      String aliasId,
      String question,
      String context,
      String candidateId,
      double similarity,
      double promotionThreshold) {

    String toJson() {
      ObjectNode node = JsonNodeFactory.instance.objectNode();
      node.put("tenant", namespace.tenant());
      node.put("route", namespace.route());
      node.put("model", namespace.model());
      node.put("alias", aliasId);
      node.put("question", question);
      node.put("context", context);
      node.put("candidate", candidateId);
      node.put("similarity", similarity);
      node.put("promotionThreshold", promotionThreshold);
      return JSON.writeValueAsString(node);
    }

    static Pair fromJson(String json) {
      JsonNode node = JSON.readTree(json);
      return new Pair(
          new CacheNamespace(
              node.get("tenant").asString(),
              node.get("route").asString(),
              node.get("model").asString()),
          node.get("alias").asString(),
          node.get("question").asString(),
          node.get("context").asString(),
          node.get("candidate").asString(),
          node.get("similarity").asDouble(),
          node.get("promotionThreshold").asDouble());
    }
  }

  /** A promoted alias: the semantic entry it answers with, and the pair's similarity. */
  record Alias(String candidateId, double similarity) {}

  private final ReactiveStringRedisTemplate redis;
  private final SemanticEntries entries;
  private final PairVerifier verifier;
  private final SemanticCacheProperties.Promotion settings;
  private final SemanticMetrics metrics;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Scheduler checker = Schedulers.newSingle("gray-zone-promotion", true);
  private volatile Disposable loop;

  Promotions(
      ReactiveStringRedisTemplate redis,
      SemanticEntries entries,
      PairVerifier verifier,
      SemanticCacheProperties.Promotion settings,
      SemanticMetrics metrics) {
    this.redis = redis;
    this.entries = entries;
    this.verifier = verifier;
    this.settings = settings;
    this.metrics = metrics;
  }

  /** Whether pairs can be checked at all: the embedding source gives the verifier token vectors. */
  boolean available() {
    return verifier.available();
  }

  static String aliasKey(CacheNamespace namespace, String aliasId) {
    return ALIAS_PREFIX + namespace.keySegment() + ':' + aliasId;
  }

  static String markerKey(CacheNamespace namespace, String aliasId) {
    return MARKER_PREFIX + namespace.keySegment() + ':' + aliasId;
  }

  /** Queues {@code pair} for its check, in the background; never blocks, never errors. */
  void offer(Pair pair) {
    if (inFlight.incrementAndGet() > settings.maxInFlight()) {
      inFlight.decrementAndGet();
      metrics.promotion("dropped");
      return;
    }
    redis
        .execute(
            OFFER,
            List.of(
                QUEUE,
                markerKey(pair.namespace(), pair.aliasId()),
                aliasKey(pair.namespace(), pair.aliasId())),
            List.of(
                pair.toJson(),
                Integer.toString(settings.queueCapacity()),
                Long.toString(settings.decisionMemory().toMillis())))
        .next()
        .subscribeOn(Schedulers.boundedElastic())
        .timeout(settings.queueTimeout())
        .doFinally(signal -> inFlight.decrementAndGet())
        .subscribe(
            result ->
                metrics.promotion(result == 1L ? "queued" : result == 0L ? "dropped" : "known"),
            error -> {
              log.debug("Gray-zone pair not queued: {}", error.toString());
              metrics.promotion("dropped");
            });
  }

  /** The alias stored for {@code aliasId} in {@code namespace}, if one was promoted. */
  Mono<Alias> alias(CacheNamespace namespace, String aliasId) {
    return redis
        .opsForValue()
        .get(aliasKey(namespace, aliasId))
        .map(
            value -> {
              int colon = value.indexOf(':');
              return new Alias(
                  value.substring(0, colon), Double.parseDouble(value.substring(colon + 1)));
            });
  }

  /**
   * Removes an alias that answered wrongly (or whose entry has gone); its pair is remembered as
   * rejected for {@code decision-memory}, so the next gray-zone miss does not promote it again at
   * once. Emits whether an alias was there.
   */
  Mono<Boolean> remove(CacheNamespace namespace, String aliasId) {
    return redis
        .unlink(aliasKey(namespace, aliasId))
        .flatMap(
            removed ->
                redis
                    .opsForValue()
                    .set(markerKey(namespace, aliasId), "rejected", settings.decisionMemory())
                    .thenReturn(removed > 0));
  }

  /** Starts this replica's checker. */
  void start() {
    if (loop != null) {
      return;
    }
    loop =
        Flux.interval(settings.pollInterval(), settings.pollInterval())
            .onBackpressureDrop()
            .concatMap(tick -> drain(), 1)
            .subscribe();
  }

  /** Checks queued pairs until the queue is empty; emits how many were checked. */
  Mono<Long> drain() {
    return checkBatch()
        .expand(checked -> checked == settings.batchSize() ? checkBatch() : Mono.empty())
        .reduce(0L, Long::sum)
        .onErrorResume(
            error -> {
              log.debug("Promotion queue not read: {}", error.toString());
              return Mono.just(0L);
            });
  }

  /** Takes a batch under a lease and decides it; emits how many pairs were taken. */
  private Mono<Long> checkBatch() {
    long now = System.currentTimeMillis();
    return redis
        .execute(
            CLAIM,
            List.of(QUEUE, CLAIMED, ATTEMPTS),
            List.of(
                Long.toString(now),
                Long.toString(now + settings.lease().toMillis()),
                Integer.toString(settings.batchSize()),
                Integer.toString(settings.maxAttempts())))
        .next()
        .subscribeOn(Schedulers.boundedElastic())
        .flatMapMany(
            raw -> {
              List<?> result = raw;
              count("abandoned", Long.parseLong(result.get(0).toString()));
              count("retried", Long.parseLong(result.get(1).toString()));
              return Flux.fromIterable(result.subList(2, result.size())).map(Object::toString);
            })
        .concatMap(this::check)
        .count();
  }

  private void count(String outcome, long times) {
    for (long i = 0; i < times; i++) {
      metrics.promotion(outcome);
    }
  }

  /**
   * Decides one taken pair and releases it; emits its outcome (also counted). A pair whose decision
   * or release fails stays claimed, and is taken again when its lease has run out.
   */
  Mono<String> check(String taken) {
    return decide(taken)
        .flatMap(
            outcome ->
                redis
                    .execute(RELEASE, List.of(CLAIMED, ATTEMPTS), List.of(taken))
                    .next()
                    .thenReturn(outcome))
        .onErrorResume(
            error -> {
              log.debug("Gray-zone pair not decided, to be retried: {}", error.toString());
              return Mono.just("error");
            })
        .doOnNext(metrics::promotion);
  }

  private Mono<String> decide(String taken) {
    Pair pair;
    try {
      pair = Pair.fromJson(taken);
    } catch (RuntimeException malformed) {
      // Never decidable: released at once.
      return Mono.just("error");
    }
    return entries
        .get(SemanticEntries.key(pair.namespace(), pair.candidateId()))
        .publishOn(checker)
        .flatMap(
            stored -> {
              if (!confirms(pair, stored, verifier)) {
                return redis
                    .opsForValue()
                    .set(
                        markerKey(pair.namespace(), pair.aliasId()),
                        "rejected",
                        settings.decisionMemory())
                    .thenReturn("rejected");
              }
              return redis
                  .execute(
                      CONFIRM,
                      List.of(
                          SemanticEntries.key(pair.namespace(), pair.candidateId()),
                          aliasKey(pair.namespace(), pair.aliasId()),
                          markerKey(pair.namespace(), pair.aliasId())),
                      List.of(
                          pair.candidateId() + ':' + pair.similarity(),
                          Long.toString(settings.decisionMemory().toMillis())))
                  .next()
                  .map(ttl -> ttl > 0 ? "confirmed" : "expired");
            })
        .defaultIfEmpty("expired");
  }

  /**
   * The check itself: the stored candidate still asks in the question's context, and the verifier
   * scores the pair at or above its {@code promotionThreshold}.
   */
  static boolean confirms(Pair pair, SemanticEntries.Stored stored, PairVerifier verifier) {
    if (!stored.context().equals(pair.context())) {
      return false;
    }
    double score =
        verifier.score(
            pair.namespace().keySegment(), pair.question(), stored.question(), pair.similarity());
    return score >= pair.promotionThreshold();
  }

  /** Pairs waiting in the shared queue. */
  Mono<Long> queued() {
    return redis.opsForList().size(QUEUE);
  }

  @Override
  public void close() {
    Disposable running = loop;
    if (running != null) {
      running.dispose();
    }
    checker.dispose();
  }
}
