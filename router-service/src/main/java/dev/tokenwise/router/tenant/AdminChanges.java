package dev.tokenwise.router.tenant;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Tells every router replica that an admin changed a key or a tenant's settings, over Redis pub/sub
 * channel {@value #CHANNEL} ({@code key:<sha256 hex>}, {@code tenant:<id>}, or another {@code
 * prefix:subject} a component {@link #listen listens} for, such as {@code routes:<tenant>}), so
 * each drops or reloads what it remembered at once. Pub/sub delivers at most once and not while a
 * replica is disconnected; the short lifetime of what replicas remember is the backstop.
 */
@Component
public class AdminChanges implements InitializingBean, DisposableBean {

  static final String CHANNEL = "tokenwise:admin:changes";

  private static final Logger log = LoggerFactory.getLogger(AdminChanges.class);

  private final ReactiveStringRedisTemplate redis;
  private final ReactiveRedisConnectionFactory connections;
  private final VirtualKeyAuthenticator authenticator;
  private final TenantSettings settings;
  private final Map<String, Consumer<String>> listeners = new ConcurrentHashMap<>();
  private volatile ReactiveRedisMessageListenerContainer container;
  private Disposable subscription;

  public AdminChanges(
      ReactiveStringRedisTemplate redis,
      ReactiveRedisConnectionFactory connections,
      VirtualKeyAuthenticator authenticator,
      TenantSettings settings) {
    this.redis = redis;
    this.connections = connections;
    this.authenticator = authenticator;
    this.settings = settings;
  }

  /** Announces a change to the key with hash {@code hashHex}; forgets it here first. */
  Mono<Void> keyChanged(String hashHex) {
    authenticator.forget(hashHex);
    return publish("key:" + hashHex);
  }

  /** Announces a change to {@code tenant}'s settings; forgets them here first. */
  public Mono<Void> tenantChanged(String tenant) {
    settings.forget(tenant);
    return publish("tenant:" + tenant);
  }

  /**
   * Announces {@code prefix:subject} to every replica (this one included); a listener registered
   * for {@code prefix} with {@link #listen} gets {@code subject}.
   */
  public Mono<Void> announce(String prefix, String subject) {
    return publish(prefix + ":" + subject);
  }

  /** Calls {@code listener} with the subject of every {@code prefix:subject} announced. */
  public void listen(String prefix, Consumer<String> listener) {
    listeners.put(prefix + ":", listener);
  }

  private Mono<Void> publish(String message) {
    return redis.convertAndSend(CHANNEL, message).then();
  }

  @Override
  public void afterPropertiesSet() {
    // subscribing connects; never on the caller's thread, and again after Redis comes back
    subscription =
        Mono.fromCallable(this::container)
            .flatMapMany(c -> c.receive(ChannelTopic.of(CHANNEL)))
            .subscribeOn(Schedulers.boundedElastic())
            .doOnNext(message -> apply(message.getMessage()))
            .doOnError(e -> log.debug("Admin change subscription lost: {}", e.toString()))
            .retryWhen(
                Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200))
                    .maxBackoff(Duration.ofSeconds(5)))
            .subscribe();
  }

  private ReactiveRedisMessageListenerContainer container() {
    if (container == null) {
      container = new ReactiveRedisMessageListenerContainer(connections);
    }
    return container;
  }

  void apply(String message) {
    if (message.startsWith("key:")) {
      authenticator.forget(message.substring(4));
    } else if (message.startsWith("tenant:")) {
      settings.forget(message.substring(7));
    } else {
      listeners.forEach(
          (prefix, listener) -> {
            if (message.startsWith(prefix)) {
              try {
                listener.accept(message.substring(prefix.length()));
              } catch (RuntimeException e) {
                log.warn("Admin change '{}' not applied: {}", message, e.toString());
              }
            }
          });
    }
  }

  @Override
  public void destroy() {
    if (subscription != null) {
      subscription.dispose();
    }
    if (container != null) {
      try {
        container.destroy();
      } catch (RuntimeException e) {
        // a pooled pub/sub connection may already be back in its pool; nothing is left to close
        log.debug("Admin change subscription not closed cleanly: {}", e.toString());
      }
    }
  }
}
