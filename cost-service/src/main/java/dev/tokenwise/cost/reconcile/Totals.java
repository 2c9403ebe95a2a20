package dev.tokenwise.cost.reconcile;

import java.math.BigDecimal;

/**
 * Tokens and cost of one provider, day, model and tier, from one side of the comparison. {@code
 * inputTokens} includes cache reads and writes; {@code requests} is null where the source does not
 * count them (Anthropic's report).
 */
record Totals(
    String model,
    String tier,
    Long requests,
    long inputTokens,
    long cachedTokens,
    long write5mTokens,
    long write1hTokens,
    long outputTokens,
    BigDecimal costUsd,
    long unpriced) {

  static Totals empty(String model, String tier) {
    return new Totals(model, tier, null, 0, 0, 0, 0, 0, BigDecimal.ZERO, 0);
  }

  long tokens() {
    return inputTokens + outputTokens;
  }

  Totals plus(Totals other) {
    return new Totals(
        model,
        tier,
        requests == null && other.requests == null
            ? null
            : (requests == null ? 0 : requests) + (other.requests == null ? 0 : other.requests),
        inputTokens + other.inputTokens,
        cachedTokens + other.cachedTokens,
        write5mTokens + other.write5mTokens,
        write1hTokens + other.write1hTokens,
        outputTokens + other.outputTokens,
        costUsd.add(other.costUsd),
        unpriced + other.unpriced);
  }
}
