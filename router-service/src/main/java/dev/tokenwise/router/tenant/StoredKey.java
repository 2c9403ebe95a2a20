package dev.tokenwise.router.tenant;

import dev.tokenwise.router.error.OpenAiApiException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * What Redis holds about a minted key, never the key itself.
 *
 * @param id the key's non-secret name: the first 16 hex digits of its SHA-256
 * @param hash the SHA-256 hex of the key
 * @param tenant the tenant, app, routes, models and limits the key carries
 * @param expiresAt when the key stops working, or null for never
 * @param revokedAt when the key was revoked, or null
 * @param rotatedAt when a successor was minted, or null
 * @param rotatedTo the successor's id, or null
 * @param rotatedFrom the id of the key this one replaced, or null
 * @param overlapEndsAt when a rotated key stops working, or null
 */
public record StoredKey(
    String id,
    String hash,
    Tenant tenant,
    Instant createdAt,
    Instant expiresAt,
    Instant revokedAt,
    Instant rotatedAt,
    String rotatedTo,
    String rotatedFrom,
    Instant overlapEndsAt) {

  static String idOf(String hashHex) {
    return "key_" + hashHex.substring(0, 16);
  }

  static StoredKey of(String hashHex, Map<String, String> fields) {
    Tenant.RateLimit limit = null;
    if (fields.containsKey("replenishRate")) {
      int rate = Integer.parseInt(fields.get("replenishRate"));
      limit =
          new Tenant.RateLimit(
              rate, Integer.parseInt(fields.getOrDefault("burstCapacity", "" + rate)));
    }
    Tenant tenant =
        new Tenant(
            fields.get("tenant"),
            fields.get("app"),
            split(fields.get("routes")),
            split(fields.get("models")),
            limit,
            Tenant.TokenLimit.of(
                longOrNull(fields.get("tokensPerMinute")), longOrNull(fields.get("tokenBurst"))),
            // the key budget's id: the first key of a rotation's line, whose spend it continues
            fields.getOrDefault("budgetId", fields.getOrDefault("id", idOf(hashHex))),
            fields.get("budgetUsd") == null
                ? null
                : new java.math.BigDecimal(fields.get("budgetUsd")));
    return new StoredKey(
        fields.getOrDefault("id", idOf(hashHex)),
        hashHex,
        tenant,
        instant(fields.get("createdAt")),
        instant(fields.get("expiresAt")),
        instant(fields.get("revokedAt")),
        instant(fields.get("rotatedAt")),
        fields.get("rotatedTo"),
        fields.get("rotatedFrom"),
        instant(fields.get("overlapEndsAt")));
  }

  /** The instant past which the key is refused for its age (expiry or rotation), or null. */
  public Instant notAfter() {
    if (expiresAt == null) {
      return overlapEndsAt;
    }
    return overlapEndsAt == null || expiresAt.isBefore(overlapEndsAt) ? expiresAt : overlapEndsAt;
  }

  /** Whether the key would be refused at {@code now}. */
  public boolean refusedAt(Instant now) {
    return refusal(now.toEpochMilli()) != null;
  }

  /** The 401 a request with this key gets at {@code nowMillis}, or null when the key works. */
  OpenAiApiException refusal(long nowMillis) {
    if (revokedAt != null) {
      return new OpenAiApiException(
          HttpStatus.UNAUTHORIZED,
          "This API key (" + id + ") was revoked at " + revokedAt + ".",
          "authentication_error",
          null,
          "api_key_revoked");
    }
    if (overlapEndsAt != null && overlapEndsAt.toEpochMilli() <= nowMillis) {
      return new OpenAiApiException(
          HttpStatus.UNAUTHORIZED,
          "This API key ("
              + id
              + ") expired at "
              + overlapEndsAt
              + ": it was rotated and its overlap window has ended. Use its successor "
              + rotatedTo
              + ".",
          "authentication_error",
          null,
          "api_key_expired");
    }
    if (expiresAt != null && expiresAt.toEpochMilli() <= nowMillis) {
      return new OpenAiApiException(
          HttpStatus.UNAUTHORIZED,
          "This API key (" + id + ") expired at " + expiresAt + ".",
          "authentication_error",
          null,
          "api_key_expired");
    }
    return null;
  }

  private static Instant instant(String millis) {
    return millis == null || millis.isBlank() ? null : Instant.ofEpochMilli(Long.parseLong(millis));
  }

  private static Long longOrNull(String value) {
    return value == null || value.isBlank() ? null : Long.valueOf(value);
  }

  private static List<String> split(String csv) {
    return csv == null || csv.isBlank() ? List.of() : List.of(csv.split(","));
  }
}
