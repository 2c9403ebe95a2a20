package dev.tokenwise.cache.exact;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisOperations;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;

/** Redis access for the exact cache: string keys, raw byte values (the entry codec's output). */
@Configuration(proxyBeanMethods = false)
class ExactCacheConfiguration {

  @Bean
  ReactiveRedisOperations<String, byte[]> exactCacheRedis(
      ReactiveRedisConnectionFactory connectionFactory) {
    RedisSerializationContext<String, byte[]> context =
        RedisSerializationContext.<String, byte[]>newSerializationContext(RedisSerializer.string())
            .value(RedisSerializer.byteArray())
            .build();
    return new ReactiveRedisTemplate<>(connectionFactory, context);
  }
}
