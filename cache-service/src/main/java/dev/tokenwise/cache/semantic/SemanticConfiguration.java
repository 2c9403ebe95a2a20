package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.embedding.BatchingEmbedder;
import dev.tokenwise.cache.exact.ExactCacheProperties;
import dev.tokenwise.common.security.StreamSignatures;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;

/** Wires the semantic cache: Redis entries, the replica's indexes and their sync, metrics. */
@Configuration(proxyBeanMethods = false)
class SemanticConfiguration {

  @Bean
  SemanticEntries semanticEntries(
      ReactiveRedisConnectionFactory connectionFactory, ExactCacheProperties exact) {
    RedisSerializationContext<String, byte[]> context =
        RedisSerializationContext.<String, byte[]>newSerializationContext(RedisSerializer.string())
            .value(RedisSerializer.byteArray())
            .hashKey(RedisSerializer.string())
            .hashValue(RedisSerializer.byteArray())
            .build();
    return new SemanticEntries(
        new ReactiveRedisTemplate<>(connectionFactory, context),
        exact.compressionThreshold().toBytes());
  }

  @Bean
  PairVerifier pairVerifier(BatchingEmbedder embedder, SemanticCacheProperties properties) {
    boolean configured =
        verifies(properties.policyOf("default"))
            || properties.routes().keySet().stream()
                .anyMatch(route -> verifies(properties.policyOf(route)));
    return new PairVerifier(embedder.source().tokenEncoder().orElse(null), configured);
  }

  /** Whether a route's policy runs the verifier: on lookups, or on its gray-zone pairs. */
  private static boolean verifies(SemanticPolicy policy) {
    return policy.enabled() && (policy.verifyThreshold() > 0 || policy.promotes());
  }

  @Bean(destroyMethod = "close")
  Promotions promotions(
      ReactiveStringRedisTemplate strings,
      SemanticEntries entries,
      PairVerifier verifier,
      SemanticCacheProperties properties,
      SemanticMetrics metrics) {
    return new Promotions(strings, entries, verifier, properties.promotion(), metrics);
  }

  @Bean(destroyMethod = "close")
  SemanticIndexes semanticIndexes(
      ReactiveStringRedisTemplate strings,
      SemanticEntries entries,
      SemanticCacheProperties properties,
      BatchingEmbedder embedder,
      PairVerifier verifier,
      StreamSignatures signatures) {
    return new SemanticIndexes(
        strings,
        entries,
        properties,
        embedder.source().dimension(),
        verifier,
        signatures,
        new IndexSnapshots(entries.redis()),
        embedder.source().modelId());
  }

  @Bean
  SemanticMetrics semanticMetrics(
      MeterRegistry registry, SemanticCacheProperties properties, SemanticIndexes indexes) {
    return new SemanticMetrics(registry, properties.routes().keySet(), indexes);
  }

  @Bean
  ErrorBounds errorBounds(
      ReactiveStringRedisTemplate strings,
      SemanticCacheProperties properties,
      SemanticMetrics metrics) {
    return new ErrorBounds(strings, properties, metrics);
  }

  @Bean
  SemanticCache semanticCache(
      BatchingEmbedder embedder,
      SemanticEntries entries,
      SemanticIndexes indexes,
      SemanticCacheProperties properties,
      SemanticMetrics metrics,
      ReactiveStringRedisTemplate strings,
      PairVerifier verifier,
      ErrorBounds bounds,
      Promotions promotions) {
    return new SemanticCache(
        embedder, entries, indexes, properties, metrics, strings, verifier, bounds, promotions);
  }

  @Bean
  SnapshotAtShutdown semanticSnapshotAtShutdown(ObjectProvider<SemanticIndexes> indexes) {
    return new SnapshotAtShutdown(indexes);
  }

  /**
   * Writes the indexes' last snapshot while the application stops. Lifecycles stop from the highest
   * phase down: the web server (graceful shutdown, then stop) first, so no request adds an entry
   * after the snapshot; then this; then the Redis connection factory (phase 0), which the snapshot
   * is written through. As the indexes' destroy method, the write came after the factory had
   * stopped and always failed.
   */
  static final class SnapshotAtShutdown implements SmartLifecycle {
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private final ObjectProvider<SemanticIndexes> indexes;
    private volatile boolean running;

    SnapshotAtShutdown(ObjectProvider<SemanticIndexes> indexes) {
      this.indexes = indexes;
    }

    @Override
    public void start() {
      running = true;
    }

    @Override
    public void stop() {
      running = false;
      SemanticIndexes current = indexes.getIfAvailable();
      if (current != null) {
        current.stop();
      }
    }

    @Override
    public boolean isRunning() {
      return running;
    }

    @Override
    public int getPhase() {
      return PHASE;
    }
  }

  @Bean
  IndexSyncStarter semanticIndexSyncStarter(
      ObjectProvider<SemanticIndexes> indexes, ObjectProvider<Promotions> promotions) {
    return new IndexSyncStarter(indexes, promotions);
  }

  /**
   * Starts rebuild-and-follow and the gray-zone checker once the application is up (a Redis that is
   * down only delays them).
   */
  static final class IndexSyncStarter {
    private final ObjectProvider<SemanticIndexes> indexes;
    private final ObjectProvider<Promotions> promotions;

    IndexSyncStarter(
        ObjectProvider<SemanticIndexes> indexes, ObjectProvider<Promotions> promotions) {
      this.indexes = indexes;
      this.promotions = promotions;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
      indexes.getObject().start();
      promotions.getObject().start();
    }
  }
}
