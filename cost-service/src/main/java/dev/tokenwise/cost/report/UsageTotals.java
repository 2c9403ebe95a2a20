package dev.tokenwise.cost.report;

import java.math.BigDecimal;

/**
 * Sums over a set of stored events, money unrounded. {@code unpricedRequests} counts events whose
 * model the catalog did not know; they add tokens but no money.
 */
record UsageTotals(
    long requests,
    long unpricedRequests,
    long inputTokens,
    long cachedInputTokens,
    long outputTokens,
    BigDecimal costUsd,
    BigDecimal baselineUsd,
    BigDecimal savingsCacheUsd,
    BigDecimal savingsRoutingUsd,
    BigDecimal savingsPromptCachingUsd,
    BigDecimal savingsBatchUsd,
    BigDecimal savingsOutputCapUsd) {

  static final UsageTotals ZERO =
      new UsageTotals(
          0,
          0,
          0,
          0,
          0,
          BigDecimal.ZERO,
          BigDecimal.ZERO,
          BigDecimal.ZERO,
          BigDecimal.ZERO,
          BigDecimal.ZERO,
          BigDecimal.ZERO,
          BigDecimal.ZERO);

  UsageTotals plus(UsageTotals o) {
    return new UsageTotals(
        requests + o.requests,
        unpricedRequests + o.unpricedRequests,
        inputTokens + o.inputTokens,
        cachedInputTokens + o.cachedInputTokens,
        outputTokens + o.outputTokens,
        costUsd.add(o.costUsd),
        baselineUsd.add(o.baselineUsd),
        savingsCacheUsd.add(o.savingsCacheUsd),
        savingsRoutingUsd.add(o.savingsRoutingUsd),
        savingsPromptCachingUsd.add(o.savingsPromptCachingUsd),
        savingsBatchUsd.add(o.savingsBatchUsd),
        savingsOutputCapUsd.add(o.savingsOutputCapUsd));
  }

  BigDecimal savingsUsd() {
    return savingsCacheUsd
        .add(savingsRoutingUsd)
        .add(savingsPromptCachingUsd)
        .add(savingsBatchUsd)
        .add(savingsOutputCapUsd);
  }
}
