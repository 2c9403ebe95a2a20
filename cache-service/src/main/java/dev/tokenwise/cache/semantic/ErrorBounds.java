package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.namespace.CacheNamespace;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

/**
 * The learned thresholds of routes with a {@code maxFalseHitRate}, kept in Redis so that they
 * survive restarts and every replica uses and feeds the same one.
 *
 * <p>Per route (the statistics are tenant-independent; answers never are): a hash {@code
 * tokenwise:cache:bound:{route}} ({@code threshold}, {@code since} — verdicts since the last change
 * —, {@code bound}, {@code seq} — verdicts received —, {@code wseq} — the verdict the stored
 * threshold was decided after) and the list {@code tokenwise:cache:bound:{route}:verdicts} of the
 * latest {@code window} verdicts ({@code similarity:served:0|1}: the hit's similarity, the
 * threshold it was served under, 1 when the cached answer was wrong). A verdict is appended and the
 * window read in one script; the {@link ErrorBoundLearner} decides in Java; the decision is written
 * only if no later verdict's decision was written first, so replicas deciding at once cannot roll
 * the threshold back.
 *
 * <p>A verdict's similarity is the one the router sent, else the one this service remembered for
 * the hit's entry ({@code tokenwise:cache:bound:hit:{namespace}:{entryId}}, kept {@code
 * hit-memory}), which also holds the threshold the hit was served under (else the current one). A
 * verdict with neither counts, when it agrees, at the current threshold and, when it disagrees, at
 * similarity 1 — where it weighs on every level: unknown evidence never widens further than known
 * evidence would, and never hides a false hit.
 *
 * <p>Lookups read this replica's copy of the threshold, reread from Redis at most every {@code
 * refresh-interval}; a route seen for the first time waits for Redis once, and uses the start
 * threshold if Redis does not answer.
 */
final class ErrorBounds {

  private static final Logger log = LoggerFactory.getLogger(ErrorBounds.class);
  static final String PREFIX = "tokenwise:cache:bound:";

  /** Verdicts recorded, by route and verdict id ({@link #seenKey}). */
  static final String SEEN_PREFIX = "tokenwise:cache:verdicts:seen:";

  /** Routes tracked per replica; the router's routes are few, this only caps a misbehaving one. */
  private static final int MAX_ROUTES = 1024;

  private static final RedisScript<List> RECORD =
      RedisScript.of(
          """
          if #KEYS > 2 and not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[3]) then
            return {'duplicate'}
          end
          redis.call('LPUSH', KEYS[2], ARGV[1])
          redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
          local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
          local state = redis.call('HMGET', KEYS[1], 'threshold', 'since', 'bound')
          local result = {tostring(seq), state[1] or '', state[2] or '', state[3] or ''}
          for _, verdict in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
            table.insert(result, verdict)
          end
          return result
          """,
          List.class);

  private static final RedisScript<Long> DECIDE =
      RedisScript.of(
          """
          local written = tonumber(redis.call('HGET', KEYS[1], 'wseq') or '0')
          if tonumber(ARGV[1]) > written then
            redis.call('HSET', KEYS[1], 'wseq', ARGV[1], 'threshold', ARGV[2], 'since', ARGV[3])
            return 1
          end
          return 0
          """,
          Long.class);

  private static final RedisScript<String> REFRESH =
      RedisScript.of(
          """
          redis.call('HSET', KEYS[1], 'bound', ARGV[1])
          return redis.call('HGET', KEYS[1], 'threshold') or ''
          """,
          String.class);

  private final ReactiveStringRedisTemplate redis;
  private final SemanticCacheProperties properties;
  private final SemanticCacheProperties.ErrorBound settings;
  private final ErrorBoundLearner learner;
  private final SemanticMetrics metrics;
  private final Map<String, Learned> routes = new ConcurrentHashMap<>();
  private final LookupShares shares;

  /** This replica's view of one route. */
  private static final class Learned {
    volatile double threshold;
    volatile double bound;
    volatile boolean perLookup;
    volatile long refreshedAt;
    volatile boolean loaded;

    Learned(double threshold, double bound) {
      this.threshold = threshold;
      this.bound = bound;
    }
  }

  ErrorBounds(
      ReactiveStringRedisTemplate redis,
      SemanticCacheProperties properties,
      SemanticMetrics metrics) {
    this.redis = redis;
    this.properties = properties;
    this.settings = properties.bound();
    this.learner = new ErrorBoundLearner(settings);
    this.shares = new LookupShares(settings.shareWindow());
    this.metrics = metrics;
    java.util.Set<String> configured = new java.util.TreeSet<>(properties.routes().keySet());
    configured.add("default");
    for (String route : configured) {
      SemanticPolicy policy = properties.policyOf(route);
      if (policy.bounded()) {
        metrics.learned(route, learner.initial().threshold(), policy.maxFalseHitRate());
        if (policy.perLookup()) {
          metrics.lookupShare(route, 1);
        }
      }
    }
  }

  /**
   * The threshold {@code policy}'s route accepts now: its configured one, or the learned one when
   * the policy sets a {@code maxFalseHitRate}. Never errors.
   */
  Mono<Double> threshold(String route, SemanticPolicy policy) {
    if (!policy.bounded()) {
      return Mono.just(policy.threshold());
    }
    Learned learned = learned(route, policy.maxFalseHitRate());
    if (learned == null) {
      return Mono.just(learner.initial().threshold());
    }
    learned.bound = policy.maxFalseHitRate();
    learned.perLookup = policy.perLookup();
    long now = System.nanoTime();
    if (learned.loaded && now - learned.refreshedAt < settings.refreshInterval().toNanos()) {
      return Mono.just(learned.threshold);
    }
    learned.refreshedAt = now;
    Mono<Double> refresh =
        redis
            .execute(REFRESH, List.of(stateKey(route)), List.of(number(policy.maxFalseHitRate())))
            .next()
            .map(
                stored -> {
                  if (!stored.isEmpty()) {
                    learned.threshold = Double.parseDouble(stored);
                  }
                  learned.loaded = true;
                  metrics.learned(route, learned.threshold, learned.bound);
                  publishShare(route, learned.threshold);
                  return learned.threshold;
                })
            .onErrorResume(
                error -> {
                  log.debug("Learned threshold of {} not refreshed: {}", route, error.toString());
                  return Mono.just(learned.threshold);
                });
    if (learned.loaded) {
      // Known already: answer with it now, reread in the background.
      refresh.subscribe();
      return Mono.just(learned.threshold);
    }
    return refresh;
  }

  /**
   * Counts one semantic lookup of a route bounded per lookup with its best candidate's similarity
   * ({@link Double#NaN}: none).
   */
  void looked(String route, SemanticPolicy policy, double bestSimilarity) {
    if (policy.perLookup()) {
      shares.record(route, bestSimilarity);
    }
  }

  /**
   * Whether this replica last saw {@code route} bounded per lookup. A replica that has seen none of
   * its lookups has no share to weigh by either, so it decides per hit.
   */
  private boolean perLookup(String route) {
    Learned learned = routes.get(route);
    return learned != null && learned.perLookup;
  }

  /**
   * With a bound per lookup: the share of the route's lookups {@code threshold} answers, published.
   */
  private void publishShare(String route, double threshold) {
    if (perLookup(route)) {
      metrics.lookupShare(route, shares.of(route).applyAsDouble(threshold));
    }
  }

  /**
   * Remembers a hit's similarity and the learned threshold it was served under, for its verdict.
   */
  void served(CacheNamespace namespace, String entryId, double similarity, double threshold) {
    redis
        .opsForValue()
        .set(
            hitKey(namespace, entryId),
            number(similarity) + ':' + number(threshold),
            settings.hitMemory())
        .subscribe(
            ok -> {}, error -> log.debug("Hit similarity not remembered: {}", error.toString()));
  }

  /**
   * Records a verdict on a semantic hit of {@code namespace}'s route and moves the route's learned
   * threshold; emits whether it was recorded now and the threshold after it (null when the route
   * sets no bound). Errors when Redis does not take it.
   *
   * <p>With a {@code seenKey} ({@link #seenKey}) a verdict is recorded once: on a bounded route the
   * key is set in the same script that appends the verdict, so the two happen together or not at
   * all; on a route without a bound only the key is set (the verdict moves nothing in Redis). A
   * verdict whose key is already set is a {@link VerdictResult#DUPLICATE}. {@code recorded} runs
   * once the verdict is recorded, before the route's decision is written.
   *
   * @param similarity the hit's similarity as the caller knows it, or {@code null}
   * @param seenKey the verdict's key, or null for a verdict without an id (recorded every time)
   * @param remember how long the verdict's key is kept
   */
  Mono<VerdictResult> verdict(
      CacheNamespace namespace,
      String entryId,
      Double similarity,
      boolean agreed,
      String seenKey,
      java.time.Duration remember,
      Runnable recorded) {
    String route = namespace.route();
    Mono<VerdictResult> unbounded =
        Mono.defer(
            () ->
                markSeen(seenKey, remember)
                    .map(
                        fresh -> {
                          if (!fresh) {
                            return VerdictResult.DUPLICATE;
                          }
                          recorded.run();
                          return VerdictResult.applied(null);
                        }));
    return boundOf(route)
        .flatMap(
            bound -> {
              Mono<double[]> remembered =
                  entryId == null
                      ? Mono.empty()
                      : redis
                          .opsForValue()
                          .get(hitKey(namespace, entryId))
                          .map(
                              text -> {
                                int colon = text.indexOf(':');
                                return new double[] {
                                  Double.parseDouble(text.substring(0, colon)),
                                  Double.parseDouble(text.substring(colon + 1))
                                };
                              });
              return remembered
                  .map(
                      hit ->
                          new ErrorBoundLearner.Verdict(
                              similarity != null ? similarity : hit[0], hit[1], !agreed))
                  .switchIfEmpty(
                      Mono.fromSupplier(
                          () -> {
                            double current = currentThreshold(route);
                            double at = similarity != null ? similarity : agreed ? current : 1.0;
                            return new ErrorBoundLearner.Verdict(at, current, !agreed);
                          }))
                  .flatMap(verdict -> record(route, bound, verdict, seenKey, remember, recorded));
            })
        .switchIfEmpty(unbounded);
  }

  /**
   * Sets a verdict's key unless it is set; emits true when it was not (the verdict is new). A
   * verdict without a key is always new.
   */
  Mono<Boolean> markSeen(String seenKey, java.time.Duration remember) {
    if (seenKey == null) {
      return Mono.just(true);
    }
    return redis.opsForValue().setIfAbsent(seenKey, "1", remember);
  }

  /**
   * The key that marks verdict {@code verdictId} of {@code route} as recorded. It carries the
   * route's hash tag, so on Redis Cluster it shares a slot with the route's state and verdict list
   * and the record script can set it with them.
   */
  static String seenKey(String route, String verdictId) {
    return SEEN_PREFIX
        + '{'
        + URLEncoder.encode(route, StandardCharsets.UTF_8)
        + "}:"
        + URLEncoder.encode(verdictId, StandardCharsets.UTF_8);
  }

  private Mono<VerdictResult> record(
      String route,
      double localBound,
      ErrorBoundLearner.Verdict verdict,
      String seenKey,
      java.time.Duration remember,
      Runnable recorded) {
    String state = stateKey(route);
    String encoded =
        number(verdict.similarity())
            + ':'
            + number(verdict.served())
            + (verdict.wrong() ? ":1" : ":0");
    List<String> keys =
        seenKey == null
            ? List.of(state, state + ":verdicts")
            : List.of(state, state + ":verdicts", seenKey);
    List<String> args =
        seenKey == null
            ? List.of(encoded, Integer.toString(settings.window()))
            : List.of(
                encoded,
                Integer.toString(settings.window()),
                Long.toString(Math.max(1, remember.toSeconds())));
    return redis
        .execute(RECORD, keys, args)
        .next()
        .flatMap(
            raw -> {
              List<?> result = raw;
              if ("duplicate".equals(result.get(0).toString())) {
                return Mono.just(VerdictResult.DUPLICATE);
              }
              recorded.run();
              long seq = Long.parseLong(result.get(0).toString());
              String storedThreshold = result.get(1).toString();
              String storedSince = result.get(2).toString();
              String storedBound = result.get(3).toString();
              double bound =
                  localBound > 0
                      ? localBound
                      : storedBound.isEmpty() ? 0 : Double.parseDouble(storedBound);
              List<ErrorBoundLearner.Verdict> window = new ArrayList<>(result.size() - 4);
              for (Object item : result.subList(4, result.size())) {
                String[] parts = item.toString().split(":");
                window.add(
                    new ErrorBoundLearner.Verdict(
                        Double.parseDouble(parts[0]),
                        Double.parseDouble(parts[1]),
                        "1".equals(parts[2])));
              }
              ErrorBoundLearner.State from =
                  storedThreshold.isEmpty()
                      ? learner.initial()
                      : new ErrorBoundLearner.State(
                          Double.parseDouble(storedThreshold),
                          storedSince.isEmpty() ? 0 : Integer.parseInt(storedSince));
              ErrorBoundLearner.State next =
                  learner.next(
                      from,
                      window,
                      bound,
                      perLookup(route) ? shares.of(route) : ErrorBoundLearner.PER_HIT);
              if (next.threshold() != from.threshold()) {
                // The upper bound of the level left: under the bound when it widened, over it
                // when it tightened.
                log.info(
                    "Route {}: learned semantic threshold {} -> {} (upper bound {} at {}; bound {})",
                    route,
                    from.threshold(),
                    next.threshold(),
                    String.format(
                        Locale.ROOT,
                        "%.4f",
                        ErrorBoundLearner.upperBound(window, from.threshold())),
                    from.threshold(),
                    bound);
              }
              return redis
                  .execute(
                      DECIDE,
                      List.of(state),
                      List.of(
                          Long.toString(seq),
                          number(next.threshold()),
                          Integer.toString(next.sinceChange())))
                  .next()
                  .map(
                      written -> {
                        Learned learned = learned(route, bound);
                        if (learned != null && written == 1L) {
                          learned.threshold = next.threshold();
                          learned.loaded = true;
                          learned.refreshedAt = System.nanoTime();
                          metrics.learned(route, next.threshold(), bound);
                          publishShare(route, next.threshold());
                        }
                        return VerdictResult.applied(next.threshold());
                      });
            });
  }

  /** The route's bound: seen on a lookup here, configured, or stored by another replica. */
  private Mono<Double> boundOf(String route) {
    Learned learned = routes.get(route);
    if (learned != null && learned.bound > 0) {
      return Mono.just(learned.bound);
    }
    double configured = properties.policyOf(route).maxFalseHitRate();
    if (configured > 0) {
      return Mono.just(configured);
    }
    return redis
        .<String, String>opsForHash()
        .get(stateKey(route), "bound")
        .map(Double::parseDouble)
        .filter(bound -> bound > 0);
  }

  private double currentThreshold(String route) {
    Learned learned = routes.get(route);
    return learned == null ? learner.initial().threshold() : learned.threshold;
  }

  private Learned learned(String route, double bound) {
    Learned learned = routes.get(route);
    if (learned != null || routes.size() >= MAX_ROUTES) {
      return learned;
    }
    return routes.computeIfAbsent(route, r -> new Learned(learner.initial().threshold(), bound));
  }

  static String stateKey(String route) {
    // A hash tag: the state and its verdict list share a Redis Cluster slot, as the scripts need.
    return PREFIX + '{' + URLEncoder.encode(route, StandardCharsets.UTF_8) + '}';
  }

  private static String hitKey(CacheNamespace namespace, String entryId) {
    return PREFIX + "hit:" + namespace.keySegment() + ':' + entryId;
  }

  private static String number(double value) {
    return Double.toString(value);
  }
}
