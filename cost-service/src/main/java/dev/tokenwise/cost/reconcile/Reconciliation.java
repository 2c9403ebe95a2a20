package dev.tokenwise.cost.reconcile;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;

/**
 * One provider, day, model and tier: what Tokenwise recorded, what the provider reported, the
 * relative drift ((recorded − reported) / reported; null when the provider reported nothing) and,
 * when they disagree beyond the tolerance, the likely cause.
 */
record Reconciliation(
    String provider,
    LocalDate day,
    String model,
    String tier,
    Totals recorded,
    Totals reported,
    BigDecimal tokenDrift,
    BigDecimal costDrift,
    String status,
    Cause cause,
    String detail,
    Instant checkedAt) {

  /** Why recorded and reported differ, as far as the numbers tell. */
  enum Cause {
    /**
     * The provider billed requests Tokenwise has no usage event for (lost events, or traffic around
     * the gateway with the same key; in the batch tier also a batch line billed twice).
     */
    MISSING_EVENTS("missing-events"),
    /**
     * Tokenwise recorded usage the provider does not report (an event counted twice, or a report
     * not yet complete).
     */
    UNREPORTED_USAGE("unreported-usage"),
    /** Tokens agree, cost does not: the price catalog (or an override) is out of date. */
    PRICE_CATALOG("price-catalog"),
    /** Tokens agree, cache writes are split differently between the 5-minute and 1-hour tiers. */
    CACHE_WRITE_TIER("cache-write-tier"),
    /** Tokens agree, but Tokenwise could not price some events (an unknown model). */
    UNPRICED_EVENTS("unpriced-events");

    private final String code;

    Cause(String code) {
      this.code = code;
    }

    String code() {
      return code;
    }

    static Cause fromCode(String code) {
      for (Cause cause : values()) {
        if (cause.code.equals(code)) {
          return cause;
        }
      }
      return null;
    }
  }
}
