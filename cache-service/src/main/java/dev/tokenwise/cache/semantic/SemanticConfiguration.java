package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.embedding.BatchingEmbedder;
import dev.tokenwise.cache.exact.ExactCacheProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
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
        properties.policyOf("default").verifyThreshold() > 0
            || properties.routes().keySet().stream()
                .anyMatch(route -> properties.policyOf(route).verifyThreshold() > 0);
    return new PairVerifier(embedder.source().tokenEncoder().orElse(null), configured);
  }

  @Bean(destroyMethod = "close")
  SemanticIndexes semanticIndexes(
      ReactiveStringRedisTemplate strings,
      SemanticEntries entries,
      SemanticCacheProperties properties,
      BatchingEmbedder embedder,
      PairVerifier verifier) {
    return new SemanticIndexes(
        strings,
        entries,
        properties,
        embedder.source().dimension(),
        verifier,
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
      ErrorBounds bounds) {
    return new SemanticCache(
        embedder, entries, indexes, properties, metrics, strings, verifier, bounds);
  }

  @Bean
  IndexSyncStarter semanticIndexSyncStarter(ObjectProvider<SemanticIndexes> indexes) {
    return new IndexSyncStarter(indexes);
  }

  /** Starts rebuild-and-follow once the application is up (a Redis that is down only delays it). */
  static final class IndexSyncStarter {
    private final ObjectProvider<SemanticIndexes> indexes;

    IndexSyncStarter(ObjectProvider<SemanticIndexes> indexes) {
      this.indexes = indexes;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
      indexes.getObject().start();
    }
  }
}
