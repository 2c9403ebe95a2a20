package dev.tokenwise.common.pricing;

import java.math.BigDecimal;
import java.util.List;

/**
 * A configured correction to one model's prices (negotiated rates, a price change not yet in the
 * bundled catalog, a model the catalog lacks). Null components keep the catalog's value. For a
 * model the catalog lacks, {@code provider}, {@code input} and {@code output} are required; the
 * cached-read and cache-write prices then default to the input price and the batch discount to 0.
 *
 * <p>Prices are USD per million tokens. Bind from configuration as, e.g., {@code
 * tokenwise.pricing.overrides[gpt-4.1].input=1.80} (brackets keep the dot in the key).
 */
public record PriceOverride(
    String provider,
    List<String> aliases,
    BigDecimal input,
    BigDecimal cachedInput,
    BigDecimal cacheWrite5m,
    BigDecimal cacheWrite1h,
    BigDecimal output,
    BigDecimal batchDiscount) {

  /** An override of the standard-context input and output prices only. */
  public static PriceOverride inputOutput(BigDecimal input, BigDecimal output) {
    return new PriceOverride(null, null, input, null, null, null, output, null);
  }
}
