package dev.tokenwise.router.tenant;

import dev.tokenwise.router.request.RandomIds;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Virtual keys minted at run time, stored in Redis by their SHA-256 only: hash {@code
 * tokenwise:keys:<sha256 hex>} with the tenant, app, allowed routes and models, and rate limits.
 * Every router replica reads the same keys.
 */
@Component
public class MintedKeys {

  static final String PREFIX = "tokenwise:keys:";

  private final ReactiveStringRedisTemplate redis;

  public MintedKeys(ReactiveStringRedisTemplate redis) {
    this.redis = redis;
  }

  /** A new key for {@code tenant}; the key itself is returned once and never stored. */
  public Mono<String> mint(Tenant tenant) {
    byte[] secret = RandomIds.bytes(24);
    String key = "tw-" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("tenant", tenant.id());
    if (tenant.app() != null) {
      fields.put("app", tenant.app());
    }
    fields.put("routes", String.join(",", tenant.routes()));
    fields.put("models", String.join(",", tenant.models()));
    if (tenant.rateLimit() != null) {
      fields.put("replenishRate", String.valueOf(tenant.rateLimit().replenishRate()));
      fields.put("burstCapacity", String.valueOf(tenant.rateLimit().burstCapacity()));
    }
    if (tenant.tokenLimit() != null) {
      fields.put("tokensPerMinute", String.valueOf(tenant.tokenLimit().tokensPerMinute()));
      fields.put("tokenBurst", String.valueOf(tenant.tokenLimit().burstTokens()));
    }
    return redis
        .opsForHash()
        .putAll(PREFIX + VirtualKeyAuthenticator.hash(key), fields)
        .thenReturn(key);
  }

  /** The tenant of a minted key's hash, or empty. */
  Mono<Tenant> find(String hashHex, Duration timeout) {
    return redis
        .<String, String>opsForHash()
        .entries(PREFIX + hashHex)
        .collectMap(Map.Entry::getKey, Map.Entry::getValue)
        .timeout(timeout)
        .filter(fields -> fields.containsKey("tenant"))
        .map(
            fields -> {
              Tenant.RateLimit limit = null;
              if (fields.containsKey("replenishRate")) {
                int rate = Integer.parseInt(fields.get("replenishRate"));
                limit =
                    new Tenant.RateLimit(
                        rate, Integer.parseInt(fields.getOrDefault("burstCapacity", "" + rate)));
              }
              return new Tenant(
                  fields.get("tenant"),
                  fields.get("app"),
                  split(fields.get("routes")),
                  split(fields.get("models")),
                  limit,
                  Tenant.TokenLimit.of(
                      longOrNull(fields.get("tokensPerMinute")),
                      longOrNull(fields.get("tokenBurst"))));
            });
  }

  private static Long longOrNull(String value) {
    return value == null || value.isBlank() ? null : Long.valueOf(value);
  }

  private static List<String> split(String csv) {
    return csv == null || csv.isBlank() ? List.of() : List.of(csv.split(","));
  }
}
