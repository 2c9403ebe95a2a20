package dev.tokenwise.router.tenant;

import dev.tokenwise.router.error.OpenAiApiException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.cloud.gateway.filter.ratelimit.RedisRateLimiter;
import org.springframework.core.Ordered;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Before any {@code /v1/**} handler: makes keys minted at run time known to the {@link
 * VirtualKeyAuthenticator} (read from Redis and remembered for {@link #REMEMBER}, so a revoked or
 * changed key is refused by every replica within it even when the {@link AdminChanges} message that
 * drops it at once is lost), refuses a revoked or expired key with 401 naming why, and applies the
 * key's request rate limit, then its tenant's (set through the admin API, shared by all the
 * tenant's keys), with Spring Cloud Gateway's {@link RedisRateLimiter} (a token bucket in Redis, so
 * every replica counts the same requests). Over either limit: 429 with {@code Retry-After} and
 * OpenAI's {@code rate_limit_exceeded} error naming which.
 */
@Component
public class VirtualKeyFilter implements WebFilter, Ordered {

  /**
   * One Redis read per minted key per second per replica: a request waits for it only when its key
   * was last read more than a second ago.
   */
  static final Duration REMEMBER = Duration.ofSeconds(1);

  /**
   * While Redis cannot be read, a key read in the last minute keeps working (no revocation can be
   * written then either) rather than every minted key failing at once.
   */
  static final Duration STALE_WHEN_UNREADABLE = Duration.ofMinutes(1);

  /** At most one warning this often about keys that could not be read from Redis. */
  private static final long STALE_WARNING_EVERY_NANOS = Duration.ofSeconds(10).toNanos();

  private static final Logger log = LoggerFactory.getLogger(VirtualKeyFilter.class);

  private final AtomicLong staleWarnedAt =
      new AtomicLong(System.nanoTime() - STALE_WARNING_EVERY_NANOS);

  /** The exchange attribute holding the key's tenant, so handlers never resolve it again. */
  static final String TENANT_ATTRIBUTE = VirtualKeyFilter.class.getName() + ".tenant";

  private final VirtualKeyAuthenticator authenticator;
  private final MintedKeys minted;
  private final RedisRateLimiter limiter;
  private final TenantSettings settings;
  private final Map<String, Boolean> configuredLimits = new ConcurrentHashMap<>();

  public VirtualKeyFilter(
      VirtualKeyAuthenticator authenticator,
      MintedKeys minted,
      RedisRateLimiter limiter,
      TenantSettings settings,
      @Qualifier(RedisRateLimiter.REDIS_SCRIPT_NAME) RedisScript<List<Long>> limiterScript) {
    this.authenticator = authenticator;
    this.minted = minted;
    this.limiter = limiter;
    this.settings = settings;
    // Spring Cloud Gateway's limiter script is a jar resource, read again whenever Redis does not
    // have it cached (first use, after a Redis restart): file I/O on an event loop. Held as text
    // from start-up instead.
    if (limiterScript instanceof DefaultRedisScript<List<Long>> script) {
      script.setScriptText(script.getScriptAsString());
    }
  }

  /**
   * A minted key that could not be read from Redis (an error, or no answer within the read's
   * timeout), as remembered, or null. Said in the log (at most every ten seconds): while this
   * replica serves remembered keys, a revocation written through another replica reaches it only
   * once it can read Redis again.
   */
  private VirtualKeyAuthenticator.Remembered stale(String hash, Throwable cause) {
    VirtualKeyAuthenticator.Remembered stale = authenticator.stale(hash, STALE_WHEN_UNREADABLE);
    long now = System.nanoTime();
    long last = staleWarnedAt.get();
    if (now - last >= STALE_WARNING_EVERY_NANOS && staleWarnedAt.compareAndSet(last, now)) {
      log.warn(
          "Minted key {} not read from Redis ({}); {}",
          StoredKey.idOf(hash),
          cause.toString(),
          stale != null ? "answered as last read" : "not remembered");
    }
    return stale;
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE + 20;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (!exchange.getRequest().getPath().value().startsWith("/v1/")) {
      return chain.filter(exchange);
    }
    String key = VirtualKeyAuthenticator.presented(exchange.getRequest().getHeaders());
    if (key == null) {
      return chain.filter(exchange);
    }
    String hash = VirtualKeyAuthenticator.hash(key);
    Tenant configured = authenticator.configured(hash);
    Mono<Tenant> tenant;
    if (configured != null) {
      tenant = Mono.just(configured);
    } else {
      VirtualKeyAuthenticator.Remembered remembered;
      try {
        remembered = authenticator.minted(hash);
      } catch (OpenAiApiException refused) {
        return Mono.error(refused);
      }
      tenant =
          remembered != null
              ? Mono.just(remembered.tenant())
              : minted
                  .find(hash, Duration.ofSeconds(2))
                  .flatMap(
                      stored -> {
                        authenticator.remember(stored, System.nanoTime() + REMEMBER.toNanos());
                        OpenAiApiException refusal = stored.refusal(System.currentTimeMillis());
                        return refusal != null ? Mono.error(refusal) : Mono.just(stored.tenant());
                      })
                  .onErrorResume(
                      e -> !(e instanceof OpenAiApiException),
                      e ->
                          Mono.fromCallable(() -> stale(hash, e))
                              .map(VirtualKeyAuthenticator.Remembered::tenant));
    }
    return tenant
        .doOnNext(t -> exchange.getAttributes().put(TENANT_ATTRIBUTE, t))
        .flatMap(
            t ->
                (t.rateLimit() == null
                        ? Mono.just(true)
                        : allowed(exchange, t.rateLimit(), "tokenwise-key-", hash))
                    .flatMap(
                        keyAllowed ->
                            !keyAllowed
                                ? Mono.just("on this API key")
                                : settings
                                    .rateLimit(t.id())
                                    .flatMap(
                                        limit ->
                                            allowed(
                                                exchange,
                                                limit,
                                                "tokenwise-tenant-",
                                                "tenant:" + t.id()))
                                    .map(ok -> ok ? "" : "of this tenant")
                                    .defaultIfEmpty("")))
        .defaultIfEmpty("")
        .flatMap(
            refused -> {
              if (refused.isEmpty()) {
                return chain.filter(exchange);
              }
              exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
              return Mono.error(
                  new OpenAiApiException(
                      HttpStatus.TOO_MANY_REQUESTS,
                      "Rate limit reached for requests " + refused + ". Retry after 1 s.",
                      "requests",
                      null,
                      "rate_limit_exceeded"));
            });
  }

  /** The tenant this filter resolved from the request's key, or null (no key, or unknown). */
  public static Tenant tenant(ServerWebExchange exchange) {
    return exchange.getAttribute(TENANT_ATTRIBUTE);
  }

  private Mono<Boolean> allowed(
      ServerWebExchange exchange, Tenant.RateLimit limit, String configPrefix, String subject) {
    String configId = configPrefix + limit.replenishRate() + "-" + limit.burstCapacity();
    configuredLimits.computeIfAbsent(
        configId,
        id -> {
          synchronized (limiter) {
            limiter
                .getConfig()
                .put(
                    id,
                    new RedisRateLimiter.Config()
                        .setReplenishRate(limit.replenishRate())
                        .setBurstCapacity(limit.burstCapacity())
                        .setRequestedTokens(1));
          }
          return true;
        });
    return limiter
        .isAllowed(configId, subject)
        .map(
            response -> {
              response.getHeaders().forEach(exchange.getResponse().getHeaders()::set);
              return response.isAllowed();
            });
  }
}
