package dev.tokenwise.router.tenant;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The tenants allowed to call the router ({@code tokenwise.router.tenants[i].*}). Keys are
 * configured as lower- or upper-case SHA-256 hex of the virtual key, never the key itself; more
 * keys can be minted at run time ({@code POST /admin/keys}) and live hashed in Redis.
 */
@ConfigurationProperties("tokenwise.router")
public record TenantProperties(@DefaultValue List<TenantEntry> tenants) {

  /**
   * One tenant: its id, an optional app name, the hashes of its virtual keys, and what those keys
   * may do (routes, models, a request rate limit and a token rate limit per key).
   *
   * @param tokensPerMinute per-key limit on prompt plus output tokens per minute; null for none
   * @param tokenBurst the most tokens one burst may use; {@code tokensPerMinute} when unset
   */
  public record TenantEntry(
      String id,
      String app,
      @DefaultValue List<String> keyHashes,
      @DefaultValue List<String> routes,
      @DefaultValue List<String> models,
      Integer replenishRate,
      Integer burstCapacity,
      Long tokensPerMinute,
      Long tokenBurst) {

    @ConstructorBinding
    public TenantEntry {}

    public TenantEntry(String id, String app, List<String> keyHashes) {
      this(id, app, keyHashes, List.of(), List.of(), null, null, null, null);
    }

    Tenant tenant() {
      Tenant.RateLimit limit =
          replenishRate == null || replenishRate <= 0
              ? null
              : new Tenant.RateLimit(
                  replenishRate, burstCapacity == null ? replenishRate : burstCapacity);
      return new Tenant(
          id, app, routes, models, limit, Tenant.TokenLimit.of(tokensPerMinute, tokenBurst));
    }
  }
}
