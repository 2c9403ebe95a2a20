package dev.tokenwise.common.pricing;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Synchronous list prices of one model (or one of its context tiers), in USD per million tokens.
 *
 * @param input uncached input
 * @param cachedInput prompt-cache reads
 * @param cacheWrite5m prompt-cache writes with a 5-minute TTL (providers without a write premium:
 *     the input price)
 * @param cacheWrite1h prompt-cache writes with a 1-hour TTL
 * @param output output, reasoning tokens included
 */
public record Rates(
    BigDecimal input,
    BigDecimal cachedInput,
    BigDecimal cacheWrite5m,
    BigDecimal cacheWrite1h,
    BigDecimal output) {

  public Rates {
    requireNonNegative(input, "input");
    requireNonNegative(cachedInput, "cachedInput");
    requireNonNegative(cacheWrite5m, "cacheWrite5m");
    requireNonNegative(cacheWrite1h, "cacheWrite1h");
    requireNonNegative(output, "output");
  }

  static BigDecimal requireNonNegative(BigDecimal value, String name) {
    Objects.requireNonNull(value, name);
    if (value.signum() < 0) {
      throw new IllegalArgumentException(name + " must not be negative: " + value);
    }
    return value;
  }
}
