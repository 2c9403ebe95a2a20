package dev.tokenwise.router.admin;

import dev.tokenwise.router.request.RandomIds;
import dev.tokenwise.router.tenant.AdminWrite;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Tenant-scoped admin tokens, minted by the super admin and stored by their SHA-256 only: hash
 * {@code tokenwise:admin:tokens:<sha256 hex>} with the id, tenant and dates; ids in {@code
 * tokenwise:admin:token-ids} and per tenant in {@code tokenwise:admin:tenant-tokens:<tenant>}. Read
 * from Redis at every admin call, so a revoked one stops working at once.
 */
@Component
class AdminTokens {

  static final String PREFIX = "tokenwise:admin:tokens:";
  static final String IDS = "tokenwise:admin:token-ids";
  static final String TENANT_TOKENS = "tokenwise:admin:tenant-tokens:";
  static final String TOKEN_PREFIX = "twa-";

  /** What is stored about a tenant admin token; never the token. */
  record StoredToken(String id, String hash, String tenant, Instant createdAt, Instant revokedAt) {

    Map<String, Object> view() {
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("id", id);
      view.put("tenant", tenant);
      AdminViews.putInstant(view, "createdAt", createdAt);
      AdminViews.putInstant(view, "revokedAt", revokedAt);
      return view;
    }
  }

  private final ReactiveStringRedisTemplate redis;

  AdminTokens(ReactiveStringRedisTemplate redis) {
    this.redis = redis;
  }

  /**
   * A new token for {@code tenant}, with what is stored about it, added to {@code write}; the token
   * is shown once.
   */
  Map.Entry<String, StoredToken> mint(String tenant, AdminWrite write) {
    String token =
        TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(RandomIds.bytes(24));
    String hash = VirtualKeyAuthenticator.hash(token);
    String id = "adm_" + hash.substring(0, 16);
    Instant now = Instant.now();
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("id", id);
    fields.put("tenant", tenant);
    fields.put("createdAt", String.valueOf(now.toEpochMilli()));
    write.hset(PREFIX + hash, fields).hset(IDS, Map.of(id, hash)).sadd(TENANT_TOKENS + tenant, id);
    return Map.entry(token, new StoredToken(id, hash, tenant, now, null));
  }

  /** The live (not revoked) token with SHA-256 {@code hash}, or empty. */
  Mono<StoredToken> live(String hash) {
    return entries(hash).filter(t -> t.revokedAt() == null);
  }

  Mono<StoredToken> byId(String id) {
    return redis.<String, String>opsForHash().get(IDS, id).flatMap(this::entries);
  }

  Flux<StoredToken> ofTenant(String tenant) {
    return redis.opsForSet().members(TENANT_TOKENS + tenant).sort().concatMap(this::byId);
  }

  /** Marks the token revoked now, in {@code write}; answers it as it is once committed. */
  StoredToken revoke(StoredToken token, AdminWrite write) {
    Instant now = Instant.ofEpochMilli(Instant.now().toEpochMilli());
    write.hset(PREFIX + token.hash(), Map.of("revokedAt", String.valueOf(now.toEpochMilli())));
    return new StoredToken(token.id(), token.hash(), token.tenant(), token.createdAt(), now);
  }

  private Mono<StoredToken> entries(String hash) {
    return redis
        .<String, String>opsForHash()
        .entries(PREFIX + hash)
        .collectMap(Map.Entry::getKey, Map.Entry::getValue)
        .filter(f -> f.containsKey("tenant"))
        .map(
            f ->
                new StoredToken(
                    f.get("id"),
                    hash,
                    f.get("tenant"),
                    AdminViews.instant(f.get("createdAt")),
                    AdminViews.instant(f.get("revokedAt"))));
  }
}
