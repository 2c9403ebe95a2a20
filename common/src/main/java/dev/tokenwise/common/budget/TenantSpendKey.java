package dev.tokenwise.common.budget;

import java.time.YearMonth;
import java.util.Objects;

/**
 * The Redis key holding a tenant's provider-billed spend in one UTC month: {@code
 * tokenwise:budget:spend:{tenant}:{yyyy-MM}}, a decimal string in USD (absent means nothing spent).
 * cost-service keeps it current after every ingest commit; the router reads it for its budget
 * check.
 */
public final class TenantSpendKey {

  public static final String PREFIX = "tokenwise:budget:spend:";

  private TenantSpendKey() {}

  public static String of(String tenant, YearMonth month) {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(month, "month");
    return PREFIX + tenant + ":" + month;
  }
}
