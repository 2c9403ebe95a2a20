package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.embedding.BatchingEmbedder;
import dev.tokenwise.cache.exact.RequestFingerprint;
import dev.tokenwise.cache.namespace.CacheNamespace;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The semantic cache: answers a question from a stored answer to a question that means the same,
 * asked in the same context, safely.
 *
 * <p>A lookup embeds the last user message (on the embedder's bounded threads), asks this replica's
 * HNSW index of the tenant/route/model for the nearest entries of the same context, and re-checks
 * each candidate against its entry in Redis: it must still exist (not expired, not invalidated),
 * have the same context, reach the route's threshold by exact cosine, pass the {@link
 * QuestionGuards}, and reach the route's {@code verifyThreshold} by the {@link PairVerifier}'s
 * score. Fails open: any error or timeout is a miss.
 */
public final class SemanticCache {

  private static final Logger log = LoggerFactory.getLogger(SemanticCache.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  static final String VERSIONS_PREFIX = "tokenwise:cache:versions:";
  static final String EXACT_PREFIX = "tokenwise:cache:exact:";

  private final BatchingEmbedder embedder;
  private final SemanticEntries entries;
  private final SemanticIndexes indexes;
  private final SemanticCacheProperties properties;
  private final SemanticMetrics metrics;
  private final ReactiveStringRedisTemplate strings;
  private final PairVerifier verifier;
  private final ErrorBounds bounds;
  private final Promotions promotions;
  private final Map<String, String> knownVersions = new ConcurrentHashMap<>();

  SemanticCache(
      BatchingEmbedder embedder,
      SemanticEntries entries,
      SemanticIndexes indexes,
      SemanticCacheProperties properties,
      SemanticMetrics metrics,
      ReactiveStringRedisTemplate strings,
      PairVerifier verifier,
      ErrorBounds bounds,
      Promotions promotions) {
    this.verifier = verifier;
    this.promotions = promotions;
    this.bounds = bounds;
    this.embedder = embedder;
    this.entries = entries;
    this.indexes = indexes;
    this.properties = properties;
    this.metrics = metrics;
    this.strings = strings;
  }

  /** The route's configured policy, overlaid with the router's per-request {@code policy}. */
  public SemanticPolicy policy(String route, JsonNode override) {
    SemanticPolicy policy = properties.policyOf(route);
    if (!properties.enabled()) {
      policy = policy.with(SemanticCacheProperties.RoutePolicy.enabled(false));
    }
    if (override == null || !override.isObject()) {
      return policy;
    }
    SemanticPolicy overlaid =
        policy.with(
            new SemanticCacheProperties.RoutePolicy(
                bool(override, "semantic"),
                number(override, "threshold"),
                number(override, "verifyThreshold"),
                number(override, "maxTemperature"),
                number(override, "shadowRate"),
                override.path("maxKeyWordDifference").isIntegralNumber()
                    ? override.get("maxKeyWordDifference").intValue()
                    : null,
                bool(override, "guards"),
                bool(override, "allowTimeSensitive"),
                bool(override, "allowTools"),
                number(override, "maxFalseHitRate"),
                number(override, "grayZoneWidth"),
                number(override, "promotionThreshold"),
                FalseHitRateOf.parse(override.path("falseHitRateOf").asString(""))));
    if (!properties.enabled()) {
      overlaid = overlaid.with(SemanticCacheProperties.RoutePolicy.enabled(false));
    }
    return overlaid.withVersions(
        override.path("templateVersion").asString(""), override.path("modelVersion").asString(""));
  }

  /** Looks {@code request} up; never errors. */
  public Mono<SemanticOutcome> lookup(
      CacheNamespace namespace, JsonNode request, SemanticPolicy policy) {
    return lookup(namespace, request, policy, null);
  }

  /**
   * Looks {@code request} up; never errors. {@code exactEntryId} is the request's exact-cache key
   * (the exact lookup just missed it): a promoted alias under it answers first, and a gray-zone
   * miss is queued for promotion under it. {@code null}: neither.
   */
  public Mono<SemanticOutcome> lookup(
      CacheNamespace namespace, JsonNode request, SemanticPolicy policy, String exactEntryId) {
    long start = System.nanoTime();
    Optional<SemanticOutcome> early;
    ChatQuestion question;
    try {
      question = question(request, policy);
      early = bypass(request, question, policy);
    } catch (ChatQuestion.NotComparable notComparable) {
      return Mono.just(new SemanticOutcome.Miss());
    }
    if (early.isPresent()) {
      metrics.lookup("bypass", start);
      return Mono.just(early.get());
    }
    if (!indexes.isRebuilt()) {
      metrics.lookup("miss", start);
      return Mono.just(new SemanticOutcome.Miss());
    }
    boolean promoting = exactEntryId != null && policy.promotes() && promotions.available();
    Mono<SemanticOutcome> viaAlias =
        promoting ? aliasHit(namespace, exactEntryId, question, policy) : Mono.empty();
    return viaAlias
        .switchIfEmpty(
            Mono.defer(() -> search(namespace, question, policy, promoting ? exactEntryId : null)))
        .timeout(properties.lookupTimeout())
        .doOnNext(hit -> metrics.lookup("hit", start))
        .switchIfEmpty(
            Mono.fromSupplier(
                () -> {
                  metrics.lookup("miss", start);
                  return new SemanticOutcome.Miss();
                }))
        .onErrorResume(
            error -> {
              log.warn("Semantic cache lookup failed open: {}", error.toString());
              metrics.lookup("error", start);
              return Mono.just(new SemanticOutcome.Miss());
            });
  }

  /**
   * The nearest entries, checked in order: the first that passes every check is the hit. With no
   * hit, the first that passed the guards in the gray zone is queued for promotion under {@code
   * aliasId} (when not null), and the lookup is a miss all the same.
   */
  private Mono<SemanticOutcome> search(
      CacheNamespace namespace, ChatQuestion question, SemanticPolicy policy, String aliasId) {
    String segment = namespace.keySegment();
    return noteVersions(namespace, policy)
        .then(bounds.threshold(namespace.route(), policy))
        .map(policy::withThreshold)
        .zipWith(embedder.embed(question.text()))
        .publishOn(Schedulers.parallel())
        .flatMap(
            learned -> {
              SemanticPolicy effective = learned.getT1();
              float[] vector = learned.getT2();
              GrayZone zone =
                  aliasId == null ? new GrayZone(effective.threshold(), 0) : effective.grayZone();
              List<VectorIndex.Candidate> candidates =
                  indexes.search(segment, question.context(), vector, properties.candidates());
              // int8 cosine is within about 0.02 of the exact one; anything further is no hit.
              double floor = zone.floor() - 0.02;
              return Flux.fromIterable(candidates)
                  .filter(candidate -> candidate.approximateSimilarity() >= floor)
                  .concatMap(
                      candidate -> verify(namespace, candidate, question, vector, effective, zone))
                  .takeUntil(checked -> checked.hit() != null)
                  .collectList()
                  .flatMap(
                      checked -> {
                        for (Checked c : checked) {
                          if (c.hit() != null) {
                            bounds.looked(namespace.route(), effective, c.hit().similarity());
                            if (effective.bounded()) {
                              bounds.served(
                                  namespace,
                                  c.hit().entryId(),
                                  c.hit().similarity(),
                                  effective.threshold());
                            }
                            return Mono.just((SemanticOutcome) c.hit());
                          }
                        }
                        // A miss counts at its nearest entry's similarity, before guards.
                        bounds.looked(
                            namespace.route(),
                            effective,
                            candidates.isEmpty()
                                ? Double.NaN
                                : candidates.get(0).approximateSimilarity());
                        if (!checked.isEmpty()) {
                          Checked gray = checked.get(0);
                          metrics.grayZoneLookup();
                          promotions.offer(
                              new Promotions.Pair(
                                  namespace,
                                  aliasId,
                                  question.text(),
                                  question.context(),
                                  gray.grayEntryId(),
                                  gray.similarity(),
                                  effective.promotionThreshold()));
                        }
                        return Mono.empty();
                      });
            });
  }

  /**
   * The answer a promoted alias of this request points at, re-checked like any candidate: the entry
   * must still exist and share the question's context. An alias whose entry has gone is removed.
   */
  private Mono<SemanticOutcome> aliasHit(
      CacheNamespace namespace, String aliasId, ChatQuestion question, SemanticPolicy policy) {
    return promotions
        .alias(namespace, aliasId)
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(
            alias ->
                entries
                    .get(SemanticEntries.key(namespace, alias.candidateId()))
                    .filter(stored -> stored.context().equals(question.context()))
                    .switchIfEmpty(
                        Mono.defer(() -> promotions.remove(namespace, aliasId).then(Mono.empty())))
                    .<SemanticOutcome>map(
                        stored -> {
                          metrics.aliasHit();
                          return hit(aliasId, stored, alias.similarity(), policy);
                        }))
        .publishOn(Schedulers.parallel())
        .onErrorResume(
            error -> {
              log.debug("Alias not read: {}", error.toString());
              return Mono.empty();
            });
  }

  /**
   * A candidate that passed: a hit, or (with {@code hit} null) one in the gray zone whose guards
   * passed.
   */
  private record Checked(SemanticOutcome.Hit hit, String grayEntryId, double similarity) {}

  private Mono<Checked> verify(
      CacheNamespace namespace,
      VectorIndex.Candidate candidate,
      ChatQuestion question,
      float[] vector,
      SemanticPolicy policy,
      GrayZone zone) {
    String key = SemanticEntries.key(namespace, candidate.entryId());
    return entries
        .get(key)
        .subscribeOn(Schedulers.boundedElastic())
        .publishOn(Schedulers.parallel())
        .switchIfEmpty(
            Mono.fromRunnable(
                () -> indexes.deleteLocally(namespace.keySegment(), candidate.entryId())))
        .flatMap(
            stored -> {
              if (!stored.context().equals(question.context())) {
                return Mono.empty();
              }
              double similarity = dot(vector, stored.vector());
              GrayZone.Band band = zone.band(similarity);
              if (band == GrayZone.Band.BELOW) {
                return Mono.empty();
              }
              if (policy.guards()) {
                Optional<QuestionGuards.Refusal> refusal =
                    new QuestionGuards(policy.maxKeyWordDifference())
                        .refusal(question.text(), stored.question());
                if (refusal.isPresent()) {
                  if (band == GrayZone.Band.ACCEPT) {
                    metrics.refused(refusal.get());
                  }
                  return Mono.empty();
                }
              }
              if (band == GrayZone.Band.GRAY) {
                return Mono.just(new Checked(null, candidate.entryId(), similarity));
              }
              if (!verifier.available() || policy.verifyThreshold() == 0) {
                return Mono.just(accepted(candidate, stored, similarity, policy));
              }
              return Mono.fromCallable(
                      () ->
                          verifier.score(
                              namespace.keySegment(),
                              question.text(),
                              stored.question(),
                              similarity))
                  .subscribeOn(Schedulers.boundedElastic())
                  .flatMap(
                      score -> {
                        if (score < policy.verifyThreshold()) {
                          metrics.refused(QuestionGuards.Refusal.VERIFIER);
                          return Mono.empty();
                        }
                        return Mono.just(accepted(candidate, stored, similarity, policy));
                      });
            });
  }

  private static Checked accepted(
      VectorIndex.Candidate candidate,
      SemanticEntries.Stored stored,
      double similarity,
      SemanticPolicy policy) {
    return new Checked(hit(candidate.entryId(), stored, similarity, policy), null, similarity);
  }

  private static SemanticOutcome.Hit hit(
      String entryId, SemanticEntries.Stored stored, double similarity, SemanticPolicy policy) {
    boolean shadow =
        policy.shadowRate() > 0 && ThreadLocalRandom.current().nextDouble() < policy.shadowRate();
    return new SemanticOutcome.Hit(
        entryId, stored.storedAt(), JSON.readTree(stored.response()), similarity, shadow);
  }

  /**
   * Stores {@code response} as the semantic answer to {@code request}; emits the entry id, or empty
   * when the request is not semantically cacheable or Redis failed (counted). Never errors. Callers
   * have already checked that the answer may be cached at all.
   */
  public Mono<String> store(
      CacheNamespace namespace,
      JsonNode request,
      JsonNode response,
      Duration ttl,
      SemanticPolicy policy) {
    ChatQuestion question;
    try {
      question = question(request, policy);
      if (bypass(request, question, policy).isPresent()) {
        metrics.store("skipped");
        return Mono.empty();
      }
    } catch (ChatQuestion.NotComparable notComparable) {
      metrics.store("skipped");
      return Mono.empty();
    }
    String segment = namespace.keySegment();
    String entryId = entryId(namespace, question);
    Instant storedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    return noteVersions(namespace, policy)
        .then(embedder.embed(question.text()))
        .flatMap(
            vector ->
                entries
                    .put(
                        SemanticEntries.key(namespace, entryId),
                        question.text(),
                        question.context(),
                        vector,
                        storedAt,
                        JSON.writeValueAsBytes(response),
                        ttl)
                    .subscribeOn(Schedulers.boundedElastic())
                    .then(
                        indexes.putAndPublish(
                            segment,
                            entryId,
                            question.context(),
                            vector,
                            storedAt.toEpochMilli() + ttl.toMillis())))
        .then(
            Mono.fromRunnable(
                () -> {
                  verifier.count(segment, question.text());
                }))
        .thenReturn(entryId)
        .timeout(properties.storeTimeout())
        .doOnNext(id -> metrics.store("stored"))
        .onErrorResume(
            error -> {
              log.warn("Semantic cache store dropped: {}", error.toString());
              metrics.store("dropped");
              return Mono.empty();
            });
  }

  /**
   * Removes everything in {@code scope} — exact and semantic entries in Redis, and the matching
   * in-memory indexes here and on every replica. Emits the number of Redis entries removed.
   */
  public Mono<Long> invalidate(InvalidationScope scope) {
    if (scope.entryId() != null) {
      CacheNamespace namespace = new CacheNamespace(scope.tenant(), scope.route(), scope.model());
      String semanticKey = SemanticEntries.key(namespace, scope.entryId());
      String exactKey = EXACT_PREFIX + namespace.keySegment() + ':' + scope.entryId();
      return entries
          .delete(semanticKey)
          .zipWith(entries.delete(exactKey), Long::sum)
          .zipWith(entries.delete(Promotions.aliasKey(namespace, scope.entryId())), Long::sum)
          .flatMap(
              removed ->
                  indexes
                      .deleteAndPublish(namespace.keySegment(), scope.entryId())
                      .thenReturn(removed));
    }
    return entries
        .deleteMatching(scope.pattern(SemanticEntries.KEY_PREFIX))
        .zipWith(entries.deleteMatching(scope.pattern(EXACT_PREFIX)), Long::sum)
        .zipWith(entries.deleteMatching(scope.pattern(Promotions.ALIAS_PREFIX)), Long::sum)
        .flatMap(
            removed ->
                entries.deleteMatching(scope.pattern(Promotions.MARKER_PREFIX)).thenReturn(removed))
        .flatMap(
            removed -> {
              verifier.forget(scope);
              return indexes.dropAndPublish(scope).thenReturn(removed);
            });
  }

  /**
   * Records a verdict on a semantic hit (a shadow comparison, or the client's feedback on a cached
   * answer): counted for the route's estimate, and, when the route learns its threshold under a
   * {@code maxFalseHitRate}, fed to the learner. Emits whether it was recorded now (not a verdict
   * whose id was recorded before) and the route's learned threshold after it; <b>errors</b> when it
   * could not be recorded (Redis failed or took longer than {@code store-timeout}), so that the
   * verdict stream leaves it pending and the HTTP endpoint answers 503: a verdict is never
   * acknowledged and then dropped. It is counted for the estimate only once recorded.
   *
   * <p>A verdict with an id is recorded once ({@code tokenwise:cache:verdicts:seen:{route}:{id}},
   * kept {@code remember}): set in the same script that appends it to a bounded route's window; on
   * other routes set on its own, after the verdict's other effect (an alias's removal, which is
   * harmless to repeat). A verdict without an id is recorded every time it arrives.
   *
   * <p>A verdict on a hit through a promoted alias (its {@code entryId} is the alias's, the
   * request's 64-hex exact key) counts for the estimate too, but does not move a learned threshold
   * (the alias was accepted by the stricter verifier, below that threshold); a disagreeing one
   * removes the alias, so the question misses again.
   *
   * @param similarity the hit's similarity if the caller sent it, else {@code null}
   * @param verdictId the verdict's unique id, or {@code null}
   * @param remember how long a verdict id is remembered as recorded
   */
  public Mono<VerdictResult> shadowReport(
      CacheNamespace namespace,
      String entryId,
      Double similarity,
      boolean agreed,
      String verdictId,
      java.time.Duration remember) {
    String route = namespace.route();
    Runnable recorded = () -> metrics.shadowReport(route, agreed);
    String seenKey = verdictId == null ? null : ErrorBounds.seenKey(route, verdictId);
    Mono<VerdictResult> result;
    if (isAliasId(entryId)) {
      Mono<Void> removal =
          agreed
              ? Mono.empty()
              : promotions
                  .remove(namespace, entryId)
                  .doOnNext(
                      removed -> {
                        if (removed) {
                          metrics.aliasRemoved();
                        }
                      })
                  .then();
      result =
          removal
              .then(bounds.markSeen(seenKey, remember))
              .map(
                  fresh -> {
                    if (!fresh) {
                      return VerdictResult.DUPLICATE;
                    }
                    recorded.run();
                    return VerdictResult.applied(null);
                  });
    } else {
      result = bounds.verdict(namespace, entryId, similarity, agreed, seenKey, remember, recorded);
    }
    return result.timeout(properties.storeTimeout());
  }

  /** Semantic entry ids are 32 hex digits; an alias is named by the request's 64-hex exact key. */
  private static boolean isAliasId(String entryId) {
    return entryId != null && entryId.length() == 64;
  }

  public double falseHitEstimate(String route) {
    return metrics.falseHitEstimate(route);
  }

  /** Figures for {@code GET /internal/cache/stats}. */
  public ObjectNode stats() {
    ObjectNode stats = JsonNodeFactory.instance.objectNode();
    stats.put("enabled", properties.enabled());
    stats.put("rebuilt", indexes.isRebuilt());
    stats.put("restoredFromSnapshot", indexes.isRestoredFromSnapshot());
    stats.put("indexes", indexes.indexCount());
    stats.put("entries", indexes.entryCount());
    stats.put("indexBytes", indexes.bytesUsed());
    stats.put("eventsApplied", indexes.eventsApplied());
    stats.put("eventsRefused", indexes.eventsRefused());
    ObjectNode embedding = stats.putObject("embedding");
    embedding.put("model", embedder.source().modelId());
    embedding.put("dimension", embedder.source().dimension());
    embedding.put("queued", embedder.queued());
    embedding.put("batches", embedder.batchCount());
    return stats;
  }

  /**
   * Invalidates a namespace when the router reports a new prompt-template or model version for it.
   * The versions are part of every entry's context, so old entries could never answer anyway; this
   * frees them at once instead of at their TTL. Redis is asked only when this replica has not seen
   * the versions before.
   */
  private Mono<Void> noteVersions(CacheNamespace namespace, SemanticPolicy policy) {
    if (policy.templateVersion().isEmpty() && policy.modelVersion().isEmpty()) {
      return Mono.empty();
    }
    String segment = namespace.keySegment();
    String versions = policy.templateVersion() + '\n' + policy.modelVersion();
    if (versions.equals(knownVersions.get(segment))) {
      return Mono.empty();
    }
    knownVersions.put(segment, versions);
    return strings
        .opsForValue()
        .getAndSet(VERSIONS_PREFIX + segment, versions)
        .filter(previous -> !previous.equals(versions))
        .flatMap(
            previous -> {
              log.info("Prompt template or model version of {} changed; invalidating it", segment);
              // In the background: the caller's lookup does not wait for a namespace to empty.
              invalidate(InvalidationScope.namespace(namespace))
                  .subscribeOn(Schedulers.boundedElastic())
                  .subscribe(
                      removed -> {},
                      error -> log.warn("Invalidating {} failed: {}", segment, error.toString()));
              return Mono.<Void>empty();
            })
        .onErrorResume(error -> Mono.empty())
        .then();
  }

  private ChatQuestion question(JsonNode request, SemanticPolicy policy)
      throws ChatQuestion.NotComparable {
    if (!policy.enabled()) {
      throw new ChatQuestion.NotComparable("disabled");
    }
    ChatQuestion question =
        ChatQuestion.of(
            request, policy.templateVersion(), policy.modelVersion(), embedder.source().modelId());
    if (question.text().getBytes(StandardCharsets.UTF_8).length
        > properties.maxQuestionSize().toBytes()) {
      throw new ChatQuestion.NotComparable("too-long");
    }
    return question;
  }

  private static Optional<SemanticOutcome> bypass(
      JsonNode request, ChatQuestion question, SemanticPolicy policy) {
    if (!policy.allowTools() && offersTools(request)) {
      return Optional.of(new SemanticOutcome.Bypass("tools"));
    }
    JsonNode temperature = request.get("temperature");
    if (temperature != null
        && temperature.isNumber()
        && temperature.asDouble() > policy.maxTemperature()) {
      return Optional.of(new SemanticOutcome.Bypass("temperature"));
    }
    if (!policy.allowTimeSensitive() && TimeSensitivity.isTimeSensitive(question.text())) {
      return Optional.of(new SemanticOutcome.Bypass("time-sensitive"));
    }
    return Optional.empty();
  }

  private static boolean offersTools(JsonNode request) {
    JsonNode tools = request.get("tools");
    JsonNode functions = request.get("functions");
    return (tools != null && tools.isArray() && !tools.isEmpty())
        || (functions != null && functions.isArray() && !functions.isEmpty());
  }

  /** 128 bits of SHA-256 over namespace, context and question. */
  static String entryId(CacheNamespace namespace, ChatQuestion question) {
    ObjectNode key = JsonNodeFactory.instance.objectNode();
    key.put("namespace", namespace.keySegment());
    key.put("context", question.context());
    key.put("question", question.text());
    return RequestFingerprint.canonicalSha256(key).substring(0, 32);
  }

  private static double dot(float[] a, float[] b) {
    if (a.length != b.length) {
      return -1;
    }
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  private static Boolean bool(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isBoolean() ? value.booleanValue() : null;
  }

  private static Double number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isNumber() ? value.asDouble() : null;
  }
}
