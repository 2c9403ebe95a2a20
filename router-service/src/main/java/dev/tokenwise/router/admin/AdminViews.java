package dev.tokenwise.router.admin;

import dev.tokenwise.router.tenant.StoredKey;
import dev.tokenwise.router.tenant.Tenant;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON shapes the admin API answers with; nulls are left out, secrets never put in. */
final class AdminViews {

  private AdminViews() {}

  static Map<String, Object> key(StoredKey key, Instant now) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", key.id());
    view.put("status", status(key, now));
    view.putAll(terms(key.tenant()));
    putInstant(view, "createdAt", key.createdAt());
    putInstant(view, "expiresAt", key.expiresAt());
    putInstant(view, "revokedAt", key.revokedAt());
    putInstant(view, "rotatedAt", key.rotatedAt());
    if (key.rotatedTo() != null) {
      view.put("rotatedTo", key.rotatedTo());
    }
    if (key.rotatedFrom() != null) {
      view.put("rotatedFrom", key.rotatedFrom());
    }
    putInstant(view, "overlapEndsAt", key.overlapEndsAt());
    return view;
  }

  /** The tenant, app, routes, models and limits a key carries, as the mint request names them. */
  static Map<String, Object> terms(Tenant tenant) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("tenant", tenant.id());
    view.put("app", tenant.app());
    view.put("routes", tenant.routes());
    view.put("models", tenant.models());
    if (tenant.rateLimit() != null) {
      view.put("replenishRate", tenant.rateLimit().replenishRate());
      view.put("burstCapacity", tenant.rateLimit().burstCapacity());
    }
    if (tenant.budgetUsd() != null) {
      view.put("budgetUsd", tenant.budgetUsd().toPlainString());
    }
    if (tenant.tokenLimit() != null) {
      view.put("tokensPerMinute", tenant.tokenLimit().tokensPerMinute());
      view.put("tokenBurst", tenant.tokenLimit().burstTokens());
    }
    return view;
  }

  static String status(StoredKey key, Instant now) {
    if (key.revokedAt() != null) {
      return "revoked";
    }
    if (key.refusedAt(now)) {
      return "expired";
    }
    return key.rotatedTo() != null ? "rotating" : "active";
  }

  static void putInstant(Map<String, Object> view, String name, Instant value) {
    if (value != null) {
      view.put(name, value.toString());
    }
  }

  static Instant instant(String millis) {
    return millis == null || millis.isBlank() ? null : Instant.ofEpochMilli(Long.parseLong(millis));
  }
}
