package dev.tokenwise.router.tenant;

import dev.tokenwise.router.request.RandomIds;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Virtual keys minted at run time, stored in Redis by their SHA-256 only: hash {@code
 * tokenwise:keys:<sha256 hex>} with the tenant, app, allowed routes and models, rate limits, and
 * the key's life (created, expires, revoked, rotated). A key is named by a non-secret id (the first
 * 16 hex digits of its hash), indexed in {@code tokenwise:admin:key-ids} and per tenant in {@code
 * tokenwise:admin:tenant-keys:<tenant>}. Every router replica reads the same keys; a change is
 * announced on {@link AdminChanges} so replicas drop what they remembered.
 */
@Component
public class MintedKeys {

  static final String PREFIX = "tokenwise:keys:";
  static final String IDS = "tokenwise:admin:key-ids";
  static final String TENANT_KEYS = "tokenwise:admin:tenant-keys:";
  public static final String TENANTS = "tokenwise:admin:tenants";

  private static final List<String> LIMIT_FIELDS =
      List.of("replenishRate", "burstCapacity", "tokensPerMinute", "tokenBurst", "budgetUsd");

  private final ReactiveStringRedisTemplate redis;
  private final AdminChanges changes;

  public MintedKeys(ReactiveStringRedisTemplate redis, AdminChanges changes) {
    this.redis = redis;
    this.changes = changes;
  }

  /** A key just minted: the secret, shown once, and what is stored about it. */
  public record Minted(String key, StoredKey stored) {}

  /** A new key for {@code tenant}; the key itself is returned once and never stored. */
  public Mono<String> mint(Tenant tenant) {
    AdminWrite write = new AdminWrite();
    Minted minted = mint(tenant, null, null, write);
    return write.commit(redis).thenReturn(minted.key());
  }

  /**
   * A new key for {@code tenant}, refused after {@code expiresAt} when set, added to {@code write}:
   * it exists once the write is committed.
   *
   * @param rotatedFrom the id of the key this one replaces, or null
   */
  public Minted mint(Tenant tenant, Instant expiresAt, String rotatedFrom, AdminWrite write) {
    byte[] secret = RandomIds.bytes(24);
    String key = "tw-" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    String hash = VirtualKeyAuthenticator.hash(key);
    String id = StoredKey.idOf(hash);
    Instant now = Instant.now();
    Map<String, String> fields = new LinkedHashMap<>(termsOf(tenant));
    fields.put("id", id);
    fields.put("createdAt", String.valueOf(now.toEpochMilli()));
    if (expiresAt != null) {
      fields.put("expiresAt", String.valueOf(expiresAt.toEpochMilli()));
    }
    if (rotatedFrom != null) {
      fields.put("rotatedFrom", rotatedFrom);
    }
    write
        .hset(PREFIX + hash, fields)
        .hset(IDS, Map.of(id, hash))
        .sadd(TENANT_KEYS + tenant.id(), id)
        .sadd(TENANTS, tenant.id());
    return new Minted(key, StoredKey.of(hash, fields));
  }

  /** The stored key of a key hash, or empty (unknown, or minted before keys had ids). */
  Mono<StoredKey> find(String hashHex, Duration timeout) {
    return entries(hashHex)
        .timeout(timeout)
        .filter(fields -> fields.containsKey("tenant"))
        .map(fields -> StoredKey.of(hashHex, fields));
  }

  /** The key named {@code id}, or empty. */
  public Mono<StoredKey> byId(String id) {
    return redis
        .<String, String>opsForHash()
        .get(IDS, id)
        .flatMap(
            hash ->
                entries(hash).filter(f -> f.containsKey("tenant")).map(f -> StoredKey.of(hash, f)));
  }

  /** The keys of {@code tenant}, newest first. */
  public Flux<StoredKey> ofTenant(String tenant) {
    return redis
        .opsForSet()
        .members(TENANT_KEYS + tenant)
        .concatMap(this::byId)
        .collectSortedList(
            Comparator.comparing(
                    StoredKey::createdAt, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
                .reversed())
        .flatMapIterable(list -> list);
  }

  /** The tenants that have keys or settings made through the admin API. */
  public Flux<String> tenants() {
    return redis.opsForSet().members(TENANTS).sort();
  }

  /**
   * Marks the key revoked now, in {@code write}; once it is committed and {@link #changed}
   * announced, every replica refuses the key within a second.
   *
   * @return the key as it is once the write is committed
   */
  public StoredKey revoke(StoredKey key, AdminWrite write) {
    Instant now = Instant.ofEpochMilli(Instant.now().toEpochMilli());
    write.hset(PREFIX + key.hash(), Map.of("revokedAt", String.valueOf(now.toEpochMilli())));
    return new StoredKey(
        key.id(),
        key.hash(),
        key.tenant(),
        key.createdAt(),
        key.expiresAt(),
        now,
        key.rotatedAt(),
        key.rotatedTo(),
        key.rotatedFrom(),
        key.overlapEndsAt());
  }

  /**
   * Mints the key's successor with the same tenant, terms and expiry, and lets the old key work
   * until {@code overlap} has passed, in {@code write}.
   */
  public Minted rotate(StoredKey key, Duration overlap, AdminWrite write) {
    Instant now = Instant.now();
    Minted minted = mint(key.tenant(), key.expiresAt(), key.id(), write);
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("rotatedAt", String.valueOf(now.toEpochMilli()));
    fields.put("rotatedTo", minted.stored().id());
    fields.put("overlapEndsAt", String.valueOf(now.plus(overlap).toEpochMilli()));
    write.hset(PREFIX + key.hash(), fields);
    return minted;
  }

  /**
   * Replaces the key's terms (routes, models, limits) and expiry, in {@code write}.
   *
   * @return the key as it is once the write is committed
   */
  public StoredKey update(StoredKey key, Tenant terms, Instant expiresAt, AdminWrite write) {
    Map<String, String> fields = new LinkedHashMap<>(termsOf(terms));
    List<String> removed = new ArrayList<>();
    LIMIT_FIELDS.stream().filter(f -> !fields.containsKey(f)).forEach(removed::add);
    if (expiresAt != null) {
      fields.put("expiresAt", String.valueOf(expiresAt.toEpochMilli()));
    } else {
      removed.add("expiresAt");
    }
    write.hset(PREFIX + key.hash(), fields).hdel(PREFIX + key.hash(), removed);
    return new StoredKey(
        key.id(),
        key.hash(),
        terms,
        key.createdAt(),
        expiresAt,
        key.revokedAt(),
        key.rotatedAt(),
        key.rotatedTo(),
        key.rotatedFrom(),
        key.overlapEndsAt());
  }

  /** Announces a committed change to {@code key}: every replica drops what it remembered. */
  public Mono<Void> changed(StoredKey key) {
    return Mono.defer(() -> changes.keyChanged(key.hash()));
  }

  private Mono<Map<String, String>> entries(String hashHex) {
    return redis
        .<String, String>opsForHash()
        .entries(PREFIX + hashHex)
        .collectMap(Map.Entry::getKey, Map.Entry::getValue);
  }

  private static Map<String, String> termsOf(Tenant tenant) {
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
    if (tenant.budgetUsd() != null) {
      fields.put("budgetUsd", tenant.budgetUsd().toPlainString());
    }
    if (tenant.keyId() != null) {
      // a rotated key's successor spends from the same key budget: rotating does not reset it
      fields.put("budgetId", tenant.keyId());
    }
    return fields;
  }
}
