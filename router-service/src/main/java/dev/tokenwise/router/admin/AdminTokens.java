package dev.tokenwise.router.admin;

import dev.tokenwise.router.request.RandomIds;
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

  /** A new token for {@code tenant}, with what is stored about it; the token is shown once. */
  Mono<Map.Entry<String, StoredToken>> mint(String tenant) {
    String token =
        TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(RandomIds.bytes(24));
    String hash = VirtualKeyAuthenticator.hash(token);
    String id = "adm_" + hash.substring(0, 16);
    Instant now = Instant.now();
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("id", id);
    fields.put("tenant", tenant);
    fields.put("createdAt", String.valueOf(now.toEpochMilli()));
    return redis
        .opsForHash()
        .putAll(PREFIX + hash, fields)
        .then(redis.opsForHash().put(IDS, id, hash))
        .then(redis.opsForSet().add(TENANT_TOKENS + tenant, id))
        .thenReturn(Map.entry(token, new StoredToken(id, hash, tenant, now, null)));
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

  Mono<StoredToken> revoke(StoredToken token) {
    return redis
        .opsForHash()
        .put(PREFIX + token.hash(), "revokedAt", String.valueOf(Instant.now().toEpochMilli()))
        .then(entries(token.hash()));
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
