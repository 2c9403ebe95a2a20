package dev.tokenwise.cache.exact;

import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * The exact cache's meters: {@link MetricNames#CACHE_LOOKUPS} and {@link
 * MetricNames#CACHE_LOOKUP_DURATION} (histogram from common's meter filter) tagged {@code
 * kind=exact} and {@code result=hit|miss|error}, and {@code tokenwise.cache.stores} tagged {@code
 * kind=exact} and {@code result=stored|not-cacheable|too-large|dropped}. All registered at start so
 * dashboards see zeros.
 */
@Component
class ExactCacheMetrics {

  /** Not yet among common's {@link MetricNames}; moves there when a second module reads it. */
  static final String STORES = "tokenwise.cache.stores";

  /** Which cache answered: {@code exact} now, {@code semantic} with the semantic cache. */
  static final String KIND = "kind";

  enum LookupResult {
    HIT("hit"),
    MISS("miss"),
    ERROR("error");

    final String tag;

    LookupResult(String tag) {
      this.tag = tag;
    }
  }

  private final Map<LookupResult, Counter> lookups;
  private final Map<LookupResult, Timer> lookupDurations;
  private final Map<Class<? extends StoreOutcome>, Counter> stores;

  ExactCacheMetrics(MeterRegistry registry) {
    this.lookups = new EnumMap<>(LookupResult.class);
    this.lookupDurations = new EnumMap<>(LookupResult.class);
    for (LookupResult result : LookupResult.values()) {
      lookups.put(
          result,
          Counter.builder(MetricNames.CACHE_LOOKUPS)
              .description("Cache lookups by outcome")
              .tag(KIND, "exact")
              .tag(MetricTags.CACHE_RESULT, result.tag)
              .register(registry));
      lookupDurations.put(
          result,
          Timer.builder(MetricNames.CACHE_LOOKUP_DURATION)
              .description("Cache lookup latency, Redis included")
              .tag(KIND, "exact")
              .tag(MetricTags.CACHE_RESULT, result.tag)
              .register(registry));
    }
    this.stores =
        Map.of(
            StoreOutcome.Stored.class, storeCounter(registry, "stored"),
            StoreOutcome.NotCacheable.class, storeCounter(registry, "not-cacheable"),
            StoreOutcome.TooLarge.class, storeCounter(registry, "too-large"),
            StoreOutcome.Dropped.class, storeCounter(registry, "dropped"));
  }

  void lookup(LookupResult result, long startNanos) {
    lookups.get(result).increment();
    lookupDurations.get(result).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  void store(StoreOutcome outcome) {
    stores.get(outcome.getClass()).increment();
  }

  private static Counter storeCounter(MeterRegistry registry, String result) {
    return Counter.builder(STORES)
        .description("Cache store requests by outcome")
        .tag(KIND, "exact")
        .tag(MetricTags.CACHE_RESULT, result)
        .register(registry);
  }
}
