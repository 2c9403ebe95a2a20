package dev.tokenwise.common.budget;

import dev.tokenwise.common.security.ServiceTokens;
import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * cost-service's word that one request's cost is recorded: emitted after the commit that stored the
 * request's usage event, on the Redis stream {@link #STREAM_KEY}, one entry per event with the
 * fields below as strings. The router moves the request's budget reservation into its tenant's
 * spend when it reads one. Delivery is at least once; a reader dedupes on {@code requestId}. Every
 * entry is signed by cost-service ({@link dev.tokenwise.common.security.StreamSignatures}); the
 * router applies none that is not, since a forged one could erase a tenant's spend.
 *
 * @param requestId the usage event's {@code requestId} (the reservation it settles)
 * @param tenant the tenant the cost belongs to
 * @param month the UTC month the event occurred in (the budget month it counts against)
 * @param costUsd the recorded cost in USD; null when no catalog version prices the event's model
 *     (the cost is unknown, not zero)
 */
public record SpendSettlement(
    String requestId, String tenant, YearMonth month, BigDecimal costUsd) {

  /** The stream cost-service appends settlements to. */
  public static final String STREAM_KEY = "tokenwise:spend-settlements";

  /** The only service whose signed settlements the router applies. */
  public static final Set<String> PRODUCERS = Set.of(ServiceTokens.COST);

  public SpendSettlement {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(month, "month");
  }

  /** The stream entry's fields; {@code costUsd} is absent when unknown. */
  public Map<String, String> toFields() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("requestId", requestId);
    fields.put("tenant", tenant);
    fields.put("month", month.toString());
    if (costUsd != null) {
      fields.put("costUsd", costUsd.toPlainString());
    }
    return fields;
  }

  /**
   * Reads a stream entry's fields.
   *
   * @throws IllegalArgumentException when a field is missing or malformed
   */
  public static SpendSettlement fromFields(Map<String, String> fields) {
    try {
      String cost = fields.get("costUsd");
      return new SpendSettlement(
          fields.get("requestId"),
          fields.get("tenant"),
          YearMonth.parse(fields.get("month")),
          cost == null || cost.isBlank() ? null : new BigDecimal(cost));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a spend settlement: " + fields, e);
    }
  }
}
