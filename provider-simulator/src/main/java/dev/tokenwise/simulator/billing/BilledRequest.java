package dev.tokenwise.simulator.billing;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One request as the provider billed it: tokens by kind (input split into uncached, cache reads and
 * cache writes by TTL) and what each kind cost in USD, batch discount and price changes applied.
 *
 * @param provider {@code openai} or {@code anthropic}
 * @param apiKeyId the provider's id of the inference key (never the key)
 * @param model the served model id (a dated snapshot)
 */
public record BilledRequest(
    Instant at,
    String provider,
    String apiKeyId,
    String model,
    boolean batch,
    long uncachedInput,
    long cachedInput,
    long write5m,
    long write1h,
    long output,
    BigDecimal uncachedCost,
    BigDecimal cachedCost,
    BigDecimal write5mCost,
    BigDecimal write1hCost,
    BigDecimal outputCost) {

  /** Input tokens as OpenAI counts them: cache reads and writes included. */
  public long inputTokens() {
    return uncachedInput + cachedInput + write5m + write1h;
  }

  public BigDecimal cost() {
    return uncachedCost.add(cachedCost).add(write5mCost).add(write1hCost).add(outputCost);
  }
}
