package dev.tokenwise.cache.semantic;

import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.common.security.StreamSignatures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The semantic cache's meters: lookups and their latency ({@code kind=semantic}, {@code
 * result=hit|miss|bypass|error}), stores by result, guard refusals by guard, index size (entries
 * and bytes), index events refused for their signature, and shadow reports with the false-hit
 * estimate and its Clopper–Pearson upper bound per route. Route tags are bounded: the configured
 * routes, {@code default}, and the first {@link #MAX_SEEN_ROUTES} other well-formed route names the
 * router sends (routes live in the router's configuration, so cache-service cannot list them all);
 * anything beyond is {@code other}.
 */
final class SemanticMetrics {

  static final String STORES = "tokenwise.cache.stores";
  static final String GUARD_REFUSALS = "tokenwise.cache.semantic.guard.refusals";
  static final String INDEX_ENTRIES = "tokenwise.cache.semantic.index.entries";
  static final String INDEX_BYTES = "tokenwise.cache.semantic.index.size";
  static final String SHADOW_REPORTS = "tokenwise.cache.semantic.shadow.reports";
  static final String FALSE_HIT_ESTIMATE = "tokenwise.cache.semantic.false.hit.estimate";
  static final String FALSE_HIT_UPPER_BOUND = "tokenwise.cache.semantic.false.hit.upper.bound";
  static final String FALSE_HIT_LOOKUP_UPPER_BOUND =
      "tokenwise.cache.semantic.false.hit.lookup.upper.bound";
  static final String LEARNED_THRESHOLD = "tokenwise.cache.semantic.learned.threshold";
  static final String MAX_FALSE_HIT_RATE = "tokenwise.cache.semantic.max.false.hit.rate";
  static final String GRAY_ZONE = "tokenwise.cache.semantic.gray.zone.lookups";
  static final String PROMOTIONS = "tokenwise.cache.semantic.promotions";
  static final String ALIAS_HITS = "tokenwise.cache.semantic.alias.hits";
  static final String ALIAS_REMOVALS = "tokenwise.cache.semantic.alias.removals";
  static final String KIND = "kind";

  /** What became of a gray-zone pair ({@link Promotions}). */
  static final String[] PROMOTION_OUTCOMES = {
    "queued",
    "dropped",
    "known",
    "confirmed",
    "rejected",
    "expired",
    "error",
    "retried",
    "abandoned"
  };

  private final MeterRegistry registry;

  /** How many route names beyond the configured ones get their own tag. */
  static final int MAX_SEEN_ROUTES = 64;

  private static final java.util.regex.Pattern ROUTE_NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9._/-]{1,64}");

  private final Set<String> routes;
  private final Set<String> seenRoutes = ConcurrentHashMap.newKeySet();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, long[]> shadow = new ConcurrentHashMap<>();
  private final Map<String, double[]> learned = new ConcurrentHashMap<>();
  private final Map<String, double[]> lookupShares = new ConcurrentHashMap<>();

  SemanticMetrics(MeterRegistry registry, Set<String> configuredRoutes, SemanticIndexes indexes) {
    this.registry = registry;
    this.routes = configuredRoutes;
    for (String result : new String[] {"hit", "miss", "bypass", "error"}) {
      lookupCounter(result);
      lookupTimer(result);
    }
    for (String result : new String[] {"stored", "skipped", "dropped"}) {
      storeCounter(result);
    }
    for (QuestionGuards.Refusal refusal : QuestionGuards.Refusal.values()) {
      counter(GUARD_REFUSALS, "guard", refusal.tag);
    }
    grayZone();
    for (String outcome : PROMOTION_OUTCOMES) {
      promotionCounter(outcome);
    }
    aliasHits();
    aliasRemovals();
    for (StreamSignatures.Outcome outcome : StreamSignatures.Outcome.values()) {
      if (outcome != StreamSignatures.Outcome.VALID) {
        FunctionCounter.builder(
                MetricNames.STREAM_ENTRIES_REFUSED, indexes, i -> i.eventsRefused(outcome))
            .description(
                "Redis stream entries refused for a missing, invalid or unexpected signature")
            .tag(MetricTags.STREAM, SemanticIndexes.EVENTS)
            .tag(MetricTags.REASON, outcome.tag())
            .register(registry);
      }
    }
    Gauge.builder(INDEX_ENTRIES, indexes, SemanticIndexes::entryCount)
        .description("Entries in this replica's semantic indexes")
        .register(registry);
    Gauge.builder(INDEX_BYTES, indexes, SemanticIndexes::bytesUsed)
        .description("Memory held by this replica's semantic indexes")
        .baseUnit("bytes")
        .register(registry);
    // Registered up front so that dashboards and alerts see every series (at 0) before the first
    // shadow report, not only after one.
    for (String route : shadowRoutes(configuredRoutes)) {
      shadowMeters(route);
      shadowCounter(route, true);
      shadowCounter(route, false);
    }
  }

  private static Set<String> shadowRoutes(Set<String> configuredRoutes) {
    Set<String> all = new java.util.TreeSet<>(configuredRoutes);
    all.add("default");
    return all;
  }

  void lookup(String result, long startNanos) {
    lookupCounter(result).increment();
    lookupTimer(result).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  void store(String result) {
    storeCounter(result).increment();
  }

  void refused(QuestionGuards.Refusal refusal) {
    counter(GUARD_REFUSALS, "guard", refusal.tag).increment();
  }

  /** A lookup whose best candidate fell in the gray zone: answered as a miss, queued. */
  void grayZoneLookup() {
    grayZone().increment();
  }

  /** What became of a gray-zone pair: one of {@link #PROMOTION_OUTCOMES}. */
  void promotion(String outcome) {
    promotionCounter(outcome).increment();
  }

  void aliasHit() {
    aliasHits().increment();
  }

  void aliasRemoved() {
    aliasRemovals().increment();
  }

  private Counter grayZone() {
    return counters.computeIfAbsent(
        GRAY_ZONE,
        k ->
            Counter.builder(GRAY_ZONE)
                .description(
                    "Semantic lookups answered as a miss whose best candidate fell in the gray"
                        + " zone below the threshold")
                .register(registry));
  }

  private Counter promotionCounter(String outcome) {
    return counters.computeIfAbsent(
        PROMOTIONS + ":" + outcome,
        k ->
            Counter.builder(PROMOTIONS)
                .description(
                    "Gray-zone pairs by what became of them: queued, dropped (queue full or Redis"
                        + " slow), known (already queued or decided), confirmed (now an alias),"
                        + " rejected, expired (the entry went first), error")
                .tag(MetricTags.OUTCOME, outcome)
                .register(registry));
  }

  private Counter aliasHits() {
    return counters.computeIfAbsent(
        ALIAS_HITS,
        k ->
            Counter.builder(ALIAS_HITS)
                .description("Semantic hits answered through a promoted alias")
                .register(registry));
  }

  private Counter aliasRemovals() {
    return counters.computeIfAbsent(
        ALIAS_REMOVALS,
        k ->
            Counter.builder(ALIAS_REMOVALS)
                .description("Aliases removed after a disagreeing verdict on one of their hits")
                .register(registry));
  }

  /** A shadow comparison's verdict for {@code route}. */
  void shadowReport(String route, boolean agreed) {
    String tag = routeTag(route);
    long[] counts = shadowMeters(tag);
    synchronized (counts) {
      counts[0]++;
      if (!agreed) {
        counts[1]++;
      }
    }
    shadowCounter(tag, agreed).increment();
  }

  private Counter shadowCounter(String routeTag, boolean agreed) {
    String outcome = agreed ? "agree" : "disagree";
    return counters.computeIfAbsent(
        "shadow:" + routeTag + ":" + outcome,
        k ->
            Counter.builder(SHADOW_REPORTS)
                .description("Shadow comparisons of semantic hits with the model's own answer")
                .tag(MetricTags.ROUTE, routeTag)
                .tag(MetricTags.OUTCOME, outcome)
                .register(registry));
  }

  /**
   * The threshold a route with a {@code maxFalseHitRate} has learned, as this replica last read or
   * decided it, and the bound it learns under.
   */
  void learned(String route, double threshold, double bound) {
    double[] values =
        learned.computeIfAbsent(
            routeTag(route),
            tag -> {
              double[] v = {threshold, bound};
              Gauge.builder(LEARNED_THRESHOLD, v, x -> x[0])
                  .description(
                      "Similarity a semantic hit needs on a route whose threshold is learned under"
                          + " its false-hit bound")
                  .tag(MetricTags.ROUTE, tag)
                  .register(registry);
              Gauge.builder(MAX_FALSE_HIT_RATE, v, x -> x[1])
                  .description("The false-hit rate the route accepts (its maxFalseHitRate)")
                  .tag(MetricTags.ROUTE, tag)
                  .register(registry);
              return v;
            });
    values[0] = threshold;
    values[1] = bound;
  }

  /**
   * For a route whose bound is per lookup: the share of its lookups the learned threshold answers,
   * which turns the shadow reports' upper bound (per checked hit) into one per lookup.
   */
  void lookupShare(String route, double share) {
    double[] holder =
        lookupShares.computeIfAbsent(
            routeTag(route),
            tag -> {
              double[] s = {share};
              long[] counts = shadowMeters(tag);
              Gauge.builder(
                      FALSE_HIT_LOOKUP_UPPER_BOUND,
                      s,
                      x -> {
                        synchronized (counts) {
                          return FalseHitBound.upper(counts[1], counts[0]) * x[0];
                        }
                      })
                  .description(
                      "For routes whose false-hit bound is per lookup: the Clopper-Pearson 95% upper"
                          + " bound of wrong answers per semantic lookup (the shadow reports' upper"
                          + " bound times the share of lookups the learned threshold answers)")
                  .tag(MetricTags.ROUTE, tag)
                  .register(registry);
              return s;
            });
    holder[0] = share;
  }

  /** Disagreeing share of shadow reports for {@code route} since start, or NaN with none. */
  double falseHitEstimate(String route) {
    long[] counts = shadow.get(routeTag(route));
    if (counts == null) {
      return Double.NaN;
    }
    synchronized (counts) {
      return counts[0] == 0 ? Double.NaN : (double) counts[1] / counts[0];
    }
  }

  String routeTag(String route) {
    if (route == null || route.isBlank()) {
      return "none";
    }
    if (routes.contains(route) || "default".equals(route) || seenRoutes.contains(route)) {
      return route;
    }
    if (!ROUTE_NAME.matcher(route).matches()) {
      return "other";
    }
    synchronized (seenRoutes) {
      if (seenRoutes.size() < MAX_SEEN_ROUTES) {
        seenRoutes.add(route);
        return route;
      }
    }
    return "other";
  }

  private long[] shadowMeters(String routeTag) {
    return shadow.computeIfAbsent(
        routeTag,
        route -> {
          long[] counts = new long[2];
          Gauge.builder(
                  FALSE_HIT_ESTIMATE,
                  counts,
                  c -> {
                    synchronized (c) {
                      return c[0] == 0 ? 0 : (double) c[1] / c[0];
                    }
                  })
              .description(
                  "Share of shadow-checked semantic hits whose answer the model disagreed with")
              .tag(MetricTags.ROUTE, route)
              .register(registry);
          Gauge.builder(
                  FALSE_HIT_UPPER_BOUND,
                  counts,
                  c -> {
                    synchronized (c) {
                      return FalseHitBound.upper(c[1], c[0]);
                    }
                  })
              .description(
                  "Clopper-Pearson 95% upper bound of the false-hit rate from the shadow reports"
                      + " (1 before any)")
              .tag(MetricTags.ROUTE, route)
              .register(registry);
          return counts;
        });
  }

  private Counter lookupCounter(String result) {
    return counters.computeIfAbsent(
        "lookup:" + result,
        k ->
            Counter.builder(MetricNames.CACHE_LOOKUPS)
                .description("Cache lookups by outcome")
                .tag(KIND, "semantic")
                .tag(MetricTags.CACHE_RESULT, result)
                .register(registry));
  }

  private Timer lookupTimer(String result) {
    return timers.computeIfAbsent(
        result,
        k ->
            Timer.builder(MetricNames.CACHE_LOOKUP_DURATION)
                .description("Cache lookup latency, Redis included")
                .tag(KIND, "semantic")
                .tag(MetricTags.CACHE_RESULT, result)
                .register(registry));
  }

  private Counter storeCounter(String result) {
    return counters.computeIfAbsent(
        "store:" + result,
        k ->
            Counter.builder(STORES)
                .description("Cache store requests by outcome")
                .tag(KIND, "semantic")
                .tag(MetricTags.CACHE_RESULT, result)
                .register(registry));
  }

  private Counter counter(String name, String tagKey, String tagValue) {
    return counters.computeIfAbsent(
        name + ":" + tagValue,
        k ->
            Counter.builder(name)
                .description("Semantic hits refused by a question guard, by guard")
                .tag(tagKey, tagValue)
                .register(registry));
  }
}
