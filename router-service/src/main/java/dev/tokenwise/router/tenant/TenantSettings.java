package dev.tokenwise.router.tenant;

import dev.tokenwise.router.request.Deadlines;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * A tenant's settings made through the admin API, which win over configuration: its monthly budget
 * caps and its request rate limit (shared by all its keys), in Redis hash {@code
 * tokenwise:admin:tenant:<id>}. Read on the request path from memory; a replica reads Redis again
 * at most every {@link #FRESH} per tenant, and at once after {@link AdminChanges} announces a
 * change.
 */
@Component
public class TenantSettings {

  static final String PREFIX = "tokenwise:admin:tenant:";
  static final Duration FRESH = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(TenantSettings.class);
  private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(1);

  /**
   * A tenant's monthly budget set through the admin API.
   *
   * @param hardUsd spend at which requests are refused; null for none
   * @param softUsd spend past which answers carry a warning; null for none
   */
  public record MonthlyBudget(BigDecimal hardUsd, BigDecimal softUsd) {}

  private record Cached(
      Optional<MonthlyBudget> budget, Tenant.RateLimit rateLimit, long loadedNanos) {
    Cached(Settings settings, long loadedNanos) {
      this(settings.budget(), settings.rateLimit(), loadedNanos);
    }
  }

  private record Settings(Optional<MonthlyBudget> budget, Tenant.RateLimit rateLimit) {}

  private final ReactiveStringRedisTemplate redis;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public TenantSettings(ReactiveStringRedisTemplate redis) {
    this.redis = redis;
  }

  /**
   * The monthly budget set for {@code tenant} through the admin API; empty when none is set (the
   * configured budget applies). From memory when read in the last {@link #FRESH}; when Redis does
   * not answer, the last value read, else empty.
   */
  public Mono<MonthlyBudget> monthlyBudget(String tenant) {
    return settings(tenant).flatMap(c -> Mono.justOrEmpty(c.budget()));
  }

  /**
   * The request rate limit set for {@code tenant} through the admin API, shared by all its keys;
   * empty when none is set. Read as {@link #monthlyBudget} is.
   */
  public Mono<Tenant.RateLimit> rateLimit(String tenant) {
    return settings(tenant).flatMap(c -> Mono.justOrEmpty(c.rateLimit()));
  }

  private Mono<Cached> settings(String tenant) {
    Cached cached = cache.get(tenant);
    if (cached != null && System.nanoTime() - cached.loadedNanos() < FRESH.toNanos()) {
      return Mono.just(cached);
    }
    return read(tenant)
        .transform(call -> Deadlines.within(call, REDIS_TIMEOUT))
        .map(read -> new Cached(read, System.nanoTime()))
        .doOnNext(fresh -> cache.put(tenant, fresh))
        .onErrorResume(
            e -> {
              log.warn("Tenant settings not read, Redis unavailable: {}", e.toString());
              return Mono.just(
                  cached == null ? new Cached(Optional.empty(), null, System.nanoTime()) : cached);
            });
  }

  /**
   * Sets {@code tenant}'s request rate limit, in {@code write}; applied like {@link
   * #setMonthlyBudget}.
   */
  public AdminWrite setRateLimit(String tenant, Tenant.RateLimit limit, AdminWrite write) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("replenishRate", String.valueOf(limit.replenishRate()));
    fields.put("burstCapacity", String.valueOf(limit.burstCapacity()));
    return write.hset(PREFIX + tenant, fields).sadd(MintedKeys.TENANTS, tenant);
  }

  /** Removes {@code tenant}'s request rate limit, in {@code write}. */
  public AdminWrite clearRateLimit(String tenant, AdminWrite write) {
    return write.hdel(PREFIX + tenant, List.of("replenishRate", "burstCapacity"));
  }

  /**
   * Sets {@code tenant}'s monthly budget, in {@code write}; once it is committed every replica
   * applies it within {@link #FRESH}, at once after {@link AdminChanges#tenantChanged(String)}.
   */
  public AdminWrite setMonthlyBudget(String tenant, MonthlyBudget budget, AdminWrite write) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("budgetHardUsd", budget.hardUsd() == null ? "" : budget.hardUsd().toPlainString());
    fields.put("budgetSoftUsd", budget.softUsd() == null ? "" : budget.softUsd().toPlainString());
    return write.hset(PREFIX + tenant, fields).sadd(MintedKeys.TENANTS, tenant);
  }

  /**
   * Removes {@code tenant}'s monthly budget, in {@code write}: the configured one applies again.
   */
  public AdminWrite clearMonthlyBudget(String tenant, AdminWrite write) {
    return write.hdel(PREFIX + tenant, List.of("budgetHardUsd", "budgetSoftUsd"));
  }

  /**
   * Whether a budget may be set for {@code tenant}: true unless a read in the last {@link #FRESH}
   * found none. Answers from memory, for the request path's decision whether to estimate at all.
   */
  public boolean mayHaveBudget(String tenant) {
    Cached cached = cache.get(tenant);
    return cached == null
        || cached.budget().isPresent()
        || System.nanoTime() - cached.loadedNanos() >= FRESH.toNanos();
  }

  void forget(String tenant) {
    cache.remove(tenant);
  }

  private Mono<Settings> read(String tenant) {
    return redis
        .<String, String>opsForHash()
        .entries(PREFIX + tenant)
        .collectMap(Map.Entry::getKey, Map.Entry::getValue)
        .map(
            fields ->
                new Settings(
                    fields.containsKey("budgetHardUsd") || fields.containsKey("budgetSoftUsd")
                        ? Optional.of(
                            new MonthlyBudget(
                                decimal(fields.get("budgetHardUsd")),
                                decimal(fields.get("budgetSoftUsd"))))
                        : Optional.empty(),
                    fields.containsKey("replenishRate")
                        ? new Tenant.RateLimit(
                            Integer.parseInt(fields.get("replenishRate")),
                            Integer.parseInt(
                                fields.getOrDefault("burstCapacity", fields.get("replenishRate"))))
                        : null));
  }

  private static BigDecimal decimal(String value) {
    return value == null || value.isBlank() ? null : new BigDecimal(value);
  }
}
