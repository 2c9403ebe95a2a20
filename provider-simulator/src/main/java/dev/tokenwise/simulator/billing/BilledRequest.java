package dev.tokenwise.simulator.billing;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * What the provider billed in one minute for one key, model, tier and context window: requests,
 * tokens by kind (input split into uncached, cache reads and cache writes by TTL) and what each
 * kind cost in USD, batch discount and price changes applied. Minutes are the reports' finest
 * bucket.
 *
 * @param at the minute's start
 * @param provider {@code openai} or {@code anthropic}
 * @param apiKeyId the provider's id of the inference key (never the key)
 * @param model the served model id (a dated snapshot)
 * @param longContext whether these requests had more than 200k input tokens
 */
public record BilledRequest(
    Instant at,
    String provider,
    String apiKeyId,
    String model,
    boolean batch,
    boolean longContext,
    long requests,
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

  BilledRequest plus(BilledRequest o) {
    return new BilledRequest(
        at,
        provider,
        apiKeyId,
        model,
        batch,
        longContext,
        requests + o.requests,
        uncachedInput + o.uncachedInput,
        cachedInput + o.cachedInput,
        write5m + o.write5m,
        write1h + o.write1h,
        output + o.output,
        uncachedCost.add(o.uncachedCost),
        cachedCost.add(o.cachedCost),
        write5mCost.add(o.write5mCost),
        write1hCost.add(o.write1hCost),
        outputCost.add(o.outputCost));
  }

  /** Input tokens as OpenAI counts them: cache reads and writes included. */
  public long inputTokens() {
    return uncachedInput + cachedInput + write5m + write1h;
  }

  public BigDecimal cost() {
    return uncachedCost.add(cachedCost).add(write5mCost).add(write1hCost).add(outputCost);
  }
}
