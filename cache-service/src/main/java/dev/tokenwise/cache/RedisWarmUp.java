package dev.tokenwise.cache;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Opens the shared Redis connection once the service is up. Lettuce connects lazily, and the first
 * connection takes longer than a lookup may wait, so without this the first requests after a start
 * would all miss. A Redis that is down is only logged: the cache fails open and connects later.
 */
@Component
class RedisWarmUp {

  private static final Logger log = LoggerFactory.getLogger(RedisWarmUp.class);
  private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(5);

  private final ReactiveRedisConnectionFactory connectionFactory;

  RedisWarmUp(ReactiveRedisConnectionFactory connectionFactory) {
    this.connectionFactory = connectionFactory;
  }

  @EventListener(ApplicationReadyEvent.class)
  void connect() {
    Mono.usingWhen(
            Mono.fromSupplier(connectionFactory::getReactiveConnection),
            connection -> connection.ping(),
            connection -> connection.closeLater())
        .subscribeOn(Schedulers.boundedElastic())
        .timeout(WARM_UP_TIMEOUT)
        .doOnError(
            error ->
                log.warn(
                    "Redis is not reachable yet; the cache answers misses until it is: {}",
                    error.toString()))
        .onErrorComplete()
        .block();
  }
}
